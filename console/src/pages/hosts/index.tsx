import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { App, Button, Checkbox, Empty, Flex, Modal, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { hostFacts, listHosts, scanHosts, type HostItem } from '../../api/hosts';
import { useUrlTable } from '../../hooks/useUrlTable';
import { PageTitle } from '../../components/PageTitle';
import { FilterSelect, SearchFilter } from '../../components/ListFilters';
import { QueryError } from '../../components/QueryError';
import { formatTime } from '../../components/format';
import { AgentStatusTag, SeverityCounts } from './widgets';
import { EnrolDrawer } from './EnrolDrawer';
import './texts';

const FILTERS = ['host_name', 'ip_addr', 'agent_status', 'asset_value'] as const;
const SCAN_TYPES = ['linux_vul', 'app_vul', 'urgent_vul'] as const;

export default function HostsPage() {
  const { t } = useTranslation('hosts');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const table = useUrlTable();
  const f = table.filters;
  const query = useMemo(() => {
    const q: Record<string, string | number> = { ...table.pageQuery };
    for (const k of FILTERS) if (f[k]) q[k] = f[k];
    return q;
  }, [f, table.offset, table.limit]);
  const [selected, setSelected] = useState<HostItem[]>([]);
  const queryKey = JSON.stringify(query);
  useEffect(() => setSelected([]), [queryKey]);
  const [scanOpen, setScanOpen] = useState(false);
  const [scanTypes, setScanTypes] = useState<string[]>(['linux_vul', 'app_vul']);
  const enrolOpen = f.enrol === '1';

  const list = useQuery({ queryKey: ['hosts', query], queryFn: () => listHosts(query), placeholderData: keepPreviousData });
  const ids = list.data?.data_list.map((h) => h.host_id) ?? [];
  const facts = useQuery({
    queryKey: ['host-facts', ids],
    queryFn: () => hostFacts(ids),
    enabled: ids.length > 0,
    select: (r) => new Map(r.data_list.map((x) => [x.host_id, x])),
  });

  const scan = useMutation({
    mutationFn: () => scanHosts(selected.map((h) => h.agent_id), scanTypes),
    onSuccess: async ({ task_id }) => {
      setScanOpen(false);
      setSelected([]);
      void message.success({
        content: (
          <span>
            {t('scanStarted', { id: task_id })} <Link to={`/scan-tasks?task_id=${encodeURIComponent(task_id)}`}>{t('viewTask')}</Link>
          </span>
        ),
        duration: 8,
      });
      await queryClient.invalidateQueries({ queryKey: ['scan-tasks'] });
    },
    onError: (err) => void message.error(t('common:common.error', { message: (err as Error).message })),
  });

  const filtered = FILTERS.some((k) => f[k]);
  const columns: TableColumnsType<HostItem> = [
    {
      title: t('col.host'),
      dataIndex: 'host_name',
      width: 180,
      render: (n: string, h) => (
        <Link to={`/hosts/${encodeURIComponent(h.host_id)}`} data-testid="host-name">
          {n}
        </Link>
      ),
    },
    { title: t('col.ip'), dataIndex: 'private_ip' },
    { title: t('col.os'), key: 'os', render: (_, h) => h.os_name || h.os_type },
    { title: t('col.agent'), dataIndex: 'agent_status', render: (s: string) => <AgentStatusTag status={s} /> },
    {
      title: t('col.vulns'),
      key: 'vulns',
      render: (_, h) => {
        const x = facts.data?.get(h.host_id);
        return x ? <SeverityCounts facts={x} /> : '-';
      },
    },
    {
      title: t('col.lastScan'),
      key: 'scan',
      render: (_, h) => {
        const x = facts.data?.get(h.host_id);
        return x ? (x.last_scan_time ? formatTime(x.last_scan_time) : t('never')) : '-';
      },
    },
    { title: t('col.lastSeen'), dataIndex: 'agent_update_time', render: (v: number) => formatTime(v) },
    { title: t('col.asset'), dataIndex: 'asset_value', render: (v: string) => t(`assetValues.${v}`, { defaultValue: v }) },
  ];

  return (
    <>
      <PageTitle
        extra={
          <Space>
            <Button type="primary" disabled={selected.length === 0} onClick={() => setScanOpen(true)}>
              {selected.length ? t('scanSelected', { count: selected.length }) : t('scanNow')}
            </Button>
            <Button onClick={() => table.setFilters({ enrol: '1' })}>{t('enrol')}</Button>
          </Space>
        }
      >
        {t('title')}
      </PageTitle>
      <Flex wrap gap={12} style={{ marginBottom: 16 }} role="search" aria-label={t('filters')}>
        <SearchFilter
          label={t('hostName')}
          placeholder={t('hostNamePlaceholder')}
          width={240}
          value={f.host_name}
          onSearch={(v) => table.setFilters({ host_name: v })}
        />
        <SearchFilter
          label={t('ip')}
          placeholder={t('ip')}
          width={200}
          value={f.ip_addr}
          onSearch={(v) => table.setFilters({ ip_addr: v })}
        />
        <FilterSelect
          label={t('agentStatus')}
          width={150}
          value={f.agent_status}
          options={(['online', 'offline'] as const).map((s) => ({ value: s, label: t(`agentStatuses.${s}`) }))}
          onChange={(v) => table.setFilters({ agent_status: v })}
        />
        <FilterSelect
          label={t('assetValue')}
          width={150}
          value={f.asset_value}
          options={(['important', 'common', 'test'] as const).map((s) => ({ value: s, label: t(`assetValues.${s}`) }))}
          onChange={(v) => table.setFilters({ asset_value: v })}
        />
        <Button onClick={() => table.setFilters(Object.fromEntries(FILTERS.map((k) => [k, undefined])))}>{t('common:common.reset')}</Button>
      </Flex>
      <QueryError error={list.error} retry={() => void list.refetch()} />
      <Table<HostItem>
        rowKey="host_id"
        columns={columns}
        dataSource={list.data?.data_list}
        loading={list.isFetching}
        pagination={table.pagination(list.data?.total_num)}
        rowSelection={{ selectedRowKeys: selected.map((h) => h.host_id), onChange: (_, rows) => setSelected(rows) }}
        locale={{ emptyText: <Empty description={filtered ? t('emptyFiltered') : t('empty')} /> }}
        data-testid="host-table"
      />
      <Modal
        open={scanOpen}
        title={t('scanTitle', { count: selected.length })}
        okText={t('scanNow')}
        cancelText={t('common:common.cancel')}
        okButtonProps={{ disabled: scanTypes.length === 0 }}
        confirmLoading={scan.isPending}
        onOk={() => scan.mutate()}
        onCancel={() => setScanOpen(false)}
      >
        <Typography.Paragraph>{t('scanHelp')}</Typography.Paragraph>
        <Typography.Paragraph>
          {selected.map((h) => (
            <Tag key={h.host_id}>{h.host_name}</Tag>
          ))}
        </Typography.Paragraph>
        <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
          <legend style={{ fontSize: 14, marginBottom: 8 }}>{t('scanTypes')}</legend>
          <Checkbox.Group value={scanTypes} onChange={(v) => setScanTypes(v as string[])} options={SCAN_TYPES.map((s) => ({ value: s, label: t(`scanTypeNames.${s}`) }))} />
        </fieldset>
      </Modal>
      {enrolOpen && <EnrolDrawer onClose={() => table.setFilters({ enrol: undefined })} />}
    </>
  );
}
