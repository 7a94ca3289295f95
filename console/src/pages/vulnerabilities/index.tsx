import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { App, Button, Dropdown, Empty, Flex, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { DownOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { listVulHosts, listVulnerabilities, vulFacts, OPERATIONS, VUL_TYPES, type Operation, type VulItem } from '../../api/vulnerabilities';
import { useUrlTable } from '../../hooks/useUrlTable';
import { PageTitle } from '../../components/PageTitle';
import { FilterSelect, SearchFilter } from '../../components/ListFilters';
import { QueryError } from '../../components/QueryError';
import { SeverityTag } from '../../components/Severity';
import { formatTime } from '../../components/format';
import { useHandleVuls } from './useHandleVuls';
import { VulDrawer } from './VulDrawer';
import { VulFilters } from './VulFilters';
import './texts';

/** The URL parameters that are list filters, as ListVulnerabilities names them. */
const FILTERS = ['type', 'vul_name', 'cve_id', 'repair_priority', 'handle_status', 'status'] as const;
const STATUSES = ['vul_status_unfix', 'vul_status_ignored', 'vul_status_verified', 'vul_status_fixed'] as const;
/** ChangeVulStatus takes up to 500 items (vulnerability and hosts), each with up to 500 hosts. */
const MAX_PER_REQUEST = 500;

const maxCvss = (v: VulItem) => {
  const top = Math.max(0, ...v.cve_list.map((c) => c.cvss));
  return top > 0 ? top : null;
};

export default function VulnerabilitiesPage() {
  const { t } = useTranslation('vulnerabilities');
  const table = useUrlTable();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const f = table.filters;
  const type = (VUL_TYPES as readonly string[]).includes(f.type ?? '') ? f.type! : 'linux_vul';
  const query = useMemo(() => {
    const q: Record<string, string | number> = { ...table.pageQuery, type };
    for (const k of FILTERS) if (k !== 'type' && f[k]) q[k] = f[k];
    return q;
  }, [f, table.offset, table.limit, type]);
  const [selected, setSelected] = useState<VulItem[]>([]);
  const queryKey = JSON.stringify(query);
  useEffect(() => setSelected([]), [queryKey]);
  const handling = useHandleVuls();

  const list = useQuery({ queryKey: ['vulns', query], queryFn: () => listVulnerabilities(query), placeholderData: keepPreviousData });
  const ids = list.data?.data_list.map((v) => v.vul_id) ?? [];
  const facts = useQuery({
    queryKey: ['vul-facts', ids],
    queryFn: () => vulFacts(ids),
    enabled: ids.length > 0,
    select: (r) => new Map(r.data_list.map((x) => [x.vul_id, x])),
  });

  const openVul = params.get('vul');
  const setOpenVul = (id: string | null) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      for (const k of [...next.keys()]) if (k.startsWith('vh_') || k.startsWith('vi_')) next.delete(k);
      if (id) next.set('vul', id);
      else next.delete('vul');
      return next;
    });

  /** Every host of a row: host_id_list holds the first ones only on a large fleet (host_num counts them all), the rest are paged from ListVulHosts. */
  async function allHostsOf(r: VulItem): Promise<VulItem> {
    if (r.host_id_list.length >= r.host_num) return r;
    const ids: string[] = [];
    for (let offset = 0; offset < r.host_num; offset += 200) {
      const page = await listVulHosts({ type, vul_id: r.vul_id, limit: 200, offset });
      ids.push(...page.data_list.map((h) => h.host_id));
      if (page.data_list.length < 200) break;
    }
    return { ...r, host_id_list: [...new Set(ids)] };
  }

  async function handle(op: Operation, selected: VulItem[]) {
    const rows = await Promise.all(selected.map(allHostsOf));
    const withHosts = rows.filter((r) => r.host_id_list.length > 0);
    if (withHosts.length === 0) return;
    const hostCount = new Set(withHosts.flatMap((r) => r.host_id_list)).size;
    // A vulnerability on more hosts than one item takes is sent as several items of the same vul_id.
    const items = withHosts.flatMap((r) =>
      Array.from({ length: Math.ceil(r.host_id_list.length / MAX_PER_REQUEST) }, (_, i) => ({ vul_id: r.vul_id, host_id_list: r.host_id_list.slice(i * MAX_PER_REQUEST, (i + 1) * MAX_PER_REQUEST) })),
    );
    if (items.length > MAX_PER_REQUEST) {
      void message.warning(t('tooMany'));
      return;
    }
    handling.start({
      op,
      type,
      title:
        withHosts.length === 1
          ? t('confirmTitleOne', { op: t(`op.${op}`), name: withHosts[0]!.vul_name, hosts: hostCount })
          : t('confirmTitle', { op: t(`op.${op}`), count: withHosts.length, hosts: hostCount }),
      data_list: items,
    });
  }

  const columns: TableColumnsType<VulItem> = [
    {
      title: t('col.vulnerability'),
      key: 'vul',
      width: 320,
      render: (_, v) => (
        <Flex vertical>
          <Typography.Link onClick={() => setOpenVul(v.vul_id)} aria-label={t('details', { name: v.vul_name })} data-testid="vul-name">
            {v.vul_name}
          </Typography.Link>
          {v.vul_name !== v.vul_id && <Typography.Text>{v.vul_id}</Typography.Text>}
        </Flex>
      ),
    },
    { title: t('col.severity'), dataIndex: 'severity_level', width: 100, render: (s: string) => <SeverityTag value={s} /> },
    {
      title: t('col.kev'),
      key: 'kev',
      width: 70,
      render: (_, v) =>
        facts.data?.get(v.vul_id)?.kev || type === 'urgent_vul' ? (
          <Tooltip title={t('kevTitle')}>
            <Tag variant="solid" color="#a8071a">{t('kev')}</Tag>
          </Tooltip>
        ) : (
          '-'
        ),
    },
    { title: t('col.cvss'), key: 'cvss', width: 70, align: 'right', render: (_, v) => maxCvss(v)?.toFixed(1) ?? '-' },
    {
      title: t('col.fix'),
      key: 'fix',
      width: 110,
      render: (_, v) => {
        const x = facts.data?.get(v.vul_id);
        if (!x) return '-';
        return x.fix_available ? <Tag variant="solid" color="#237804">{t('fixAvailable')}</Tag> : <Tag>{t('noFix')}</Tag>;
      },
    },
    {
      title: t('col.hosts'),
      key: 'hosts',
      width: 150,
      render: (_, v) => (
        <Flex vertical>
          <Typography.Text strong>{v.host_num}</Typography.Text>
          <Typography.Text>{t('unhandledOf', { unhandled: v.unhandle_host_num, total: v.host_num })}</Typography.Text>
        </Flex>
      ),
    },
    { title: t('col.images'), key: 'images', width: 80, align: 'right', render: (_, v) => facts.data?.get(v.vul_id)?.image_num ?? '-' },
    {
      title: t('col.handled'),
      key: 'handled',
      render: (_, v) =>
        (['ignored', 'fixed', 'verify'] as const)
          .filter((k) => v[`${k}_num`] > 0)
          .map((k) => t(`handledParts.${k}`, { count: v[`${k}_num`] }))
          .join(' · ') || '-',
    },
    { title: t('col.lastScan'), dataIndex: 'scan_time', width: 170, render: (v: number) => formatTime(v) },
    {
      title: t('col.actions'),
      key: 'actions',
      width: 110,
      render: (_, v) => (
        <Dropdown
          trigger={['click']}
          menu={{ items: OPERATIONS.map((op) => ({ key: op, label: t(`op.${op}`) })), onClick: ({ key }) => void handle(key as Operation, [v]) }}
        >
          <Button size="small" aria-label={t('moreActions', { name: v.vul_name })}>
            {t('handleAction')} <DownOutlined />
          </Button>
        </Dropdown>
      ),
    },
  ];

  return (
    <>
      <PageTitle>{t('title')}</PageTitle>
      <Flex wrap gap={12} style={{ marginBottom: 16 }} role="search" aria-label={t('filters')}>
        <VulFilters type={type} filters={f} severityKey="repair_priority" setFilters={table.setFilters} />
        <SearchFilter
          label={t('name')}
          placeholder={t('namePlaceholder')}
          width={240}
          value={f.vul_name}
          onSearch={(v) => table.setFilters({ vul_name: v })}
        />
        <SearchFilter
          label={t('cve')}
          placeholder="CVE-2024-…"
          width={200}
          value={f.cve_id}
          onSearch={(v) => table.setFilters({ cve_id: v })}
        />
        <FilterSelect
          label={t('status')}
          width={150}
          value={f.status}
          options={STATUSES.map((s) => ({ value: s, label: t(`statuses.${s}`) }))}
          onChange={(v) => table.setFilters({ status: v })}
        />
        <Button onClick={() => table.setFilters(Object.fromEntries(FILTERS.map((k) => [k, undefined])))}>{t('common:common.reset')}</Button>
      </Flex>
      <QueryError error={list.error} retry={() => void list.refetch()} />
      {selected.length > 0 && (
        <Space wrap style={{ marginBottom: 12 }} aria-live="polite">
          <Typography.Text>{t('selected', { count: selected.length })}</Typography.Text>
          {OPERATIONS.map((op) => (
            <Button key={op} onClick={() => void handle(op, selected)}>
              {t(`op.${op}`)}
            </Button>
          ))}
        </Space>
      )}
      <Table<VulItem>
        rowKey="vul_id"
        columns={columns}
        dataSource={list.data?.data_list}
        loading={list.isFetching}
        pagination={table.pagination(list.data?.total_num)}
        rowSelection={{ selectedRowKeys: selected.map((s) => s.vul_id), onChange: (_, rows) => setSelected(rows) }}
        locale={{ emptyText: <Empty description={t('empty')} /> }}
        data-testid="vul-table"
      />
      {openVul && <VulDrawer vulId={openVul} type={type} onClose={() => setOpenVul(null)} />}
      {handling.dialog}
    </>
  );
}
