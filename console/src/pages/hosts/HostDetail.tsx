import { useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, Button, Descriptions, Dropdown, Empty, Flex, Result, Table, Tabs, Tag, Typography, type TableColumnsType } from 'antd';
import { ArrowLeftOutlined, DownOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { hostFacts, listApps, listHosts, type AppItem } from '../../api/hosts';
import { listHostVuls, OPERATIONS, VUL_TYPES, type HostVulItem, type Operation } from '../../api/vulnerabilities';
import { useUrlTable } from '../../hooks/useUrlTable';
import { PageTitle } from '../../components/PageTitle';
import { FilterSelect, SearchFilter } from '../../components/ListFilters';
import { QueryError } from '../../components/QueryError';
import { SeverityTag } from '../../components/Severity';
import { formatTime } from '../../components/format';
import { useHandleVuls } from '../vulnerabilities/useHandleVuls';
import { VulFilters } from '../vulnerabilities/VulFilters';
import { AgentStatusTag, SeverityCounts } from './widgets';
import '../vulnerabilities/texts';
import './texts';
import { Loading } from '../../components/Loading';

function HostVulnerabilities({ hostId }: { hostId: string }) {
  const { t } = useTranslation('hosts');
  const { t: tv } = useTranslation('vulnerabilities');
  const table = useUrlTable({ prefix: 'v_' });
  const f = table.filters;
  const type = (VUL_TYPES as readonly string[]).includes(f.type ?? '') ? f.type! : 'linux_vul';
  const query = useMemo(
    () => ({ ...table.pageQuery, type, ...(f.severity_level ? { severity_level: f.severity_level } : {}), ...(f.handle_status ? { handle_status: f.handle_status } : {}) }),
    [table.offset, table.limit, type, f.severity_level, f.handle_status],
  );
  const list = useQuery({ queryKey: ['host-vuls', hostId, query], queryFn: () => listHostVuls(hostId, query), placeholderData: keepPreviousData });
  const handling = useHandleVuls();
  const [selected, setSelected] = useState<HostVulItem[]>([]);
  const queryKey = JSON.stringify(query);
  useEffect(() => setSelected([]), [queryKey]);
  const handle = (op: Operation, rows: HostVulItem[]) =>
    handling.start({
      op,
      type,
      title: rows.length === 1 ? tv('confirmTitleOne', { op: tv(`op.${op}`), name: rows[0]!.vul_name, hosts: 1 }) : tv('confirmTitle', { op: tv(`op.${op}`), count: rows.length, hosts: 1 }),
      host_data_list: [{ host_id: hostId, vul_id_list: rows.map((r) => r.vul_id) }],
    });

  const columns: TableColumnsType<HostVulItem> = [
    {
      title: t('vcol.vulnerability'),
      key: 'vul',
      render: (_, v) => (
        <Flex vertical>
          <Link to={`/vulnerabilities?${new URLSearchParams({ ...(type !== 'linux_vul' ? { type } : {}), vul: v.vul_id }).toString()}`} data-testid="host-vul-name">
            {v.vul_name}
          </Link>
          {v.vul_name !== v.vul_id && <Typography.Text>{v.vul_id}</Typography.Text>}
        </Flex>
      ),
    },
    { title: t('vcol.severity'), dataIndex: 'severity_level', render: (s: string) => <SeverityTag value={s} /> },
    { title: t('vcol.status'), dataIndex: 'status', render: (s: string) => <Tag>{tv(`statuses.${s}`, { defaultValue: s })}</Tag> },
    {
      title: t('vcol.packages'),
      key: 'apps',
      render: (_, v) => (
        <Flex vertical>
          {v.app_list.map((a) => (
            <Typography.Text key={`${a.app_name}\u0000${a.app_path}\u0000${a.app_version}`}>
              {a.app_name} {a.app_version} → {a.upgrade_version || t('noFix')}
            </Typography.Text>
          ))}
        </Flex>
      ),
    },
    { title: t('vcol.firstFound'), dataIndex: 'first_scan_time', render: (v: number) => formatTime(v) },
    {
      title: t('vcol.actions'),
      key: 'actions',
      render: (_, v) => (
        <Dropdown trigger={['click']} menu={{ items: OPERATIONS.map((op) => ({ key: op, label: tv(`op.${op}`) })), onClick: ({ key }) => handle(key as Operation, [v]) }}>
          <Button size="small" aria-label={tv('moreActions', { name: v.vul_name })}>
            {tv('handleAction')} <DownOutlined />
          </Button>
        </Dropdown>
      ),
    },
  ];

  return (
    <>
      <Flex wrap gap={12} style={{ marginBottom: 12 }} role="search" aria-label={tv('filters')}>
        <VulFilters type={type} filters={f} severityKey="severity_level" setFilters={table.setFilters} />
        {selected.length > 0 &&
          OPERATIONS.map((op) => (
            <Button key={op} onClick={() => handle(op, selected)}>
              {tv(`op.${op}`)} ({selected.length})
            </Button>
          ))}
      </Flex>
      <QueryError error={list.error} retry={() => void list.refetch()} />
      <Table<HostVulItem>
        rowKey="vul_id"
        columns={columns}
        dataSource={list.data?.data_list}
        loading={list.isFetching}
        pagination={table.pagination(list.data?.total_num)}
        rowSelection={{ selectedRowKeys: selected.map((s) => s.vul_id), onChange: (_, rows) => setSelected(rows) }}
        locale={{ emptyText: <Empty description={t('noVulns')} /> }}
        data-testid="host-vul-table"
      />
      {handling.dialog}
    </>
  );
}

function HostPackages({ hostId }: { hostId: string }) {
  const { t } = useTranslation('hosts');
  const table = useUrlTable({ prefix: 'p_' });
  const f = table.filters;
  const query = { ...table.pageQuery, host_id: hostId, ...(f.app_name ? { app_name: f.app_name, part_match: true } : {}) };
  const list = useQuery({ queryKey: ['host-apps', query], queryFn: () => listApps(query), placeholderData: keepPreviousData });
  const columns: TableColumnsType<AppItem> = [
    { title: t('pcol.name'), dataIndex: 'app_name' },
    { title: t('pcol.version'), dataIndex: 'version' },
    { title: t('pcol.type'), dataIndex: 'app_type' },
    { title: t('pcol.path'), dataIndex: 'install_dir', render: (p: string) => <Typography.Text code>{p}</Typography.Text> },
  ];
  return (
    <>
      <Flex wrap gap={12} style={{ marginBottom: 12 }} role="search" aria-label={t('packageSearch')}>
        <SearchFilter
          label={t('packageSearch')}
          placeholder={t('packageSearchPlaceholder')}
          width={260}
          value={f.app_name}
          onSearch={(v) => table.setFilters({ app_name: v })}
        />
      </Flex>
      <QueryError error={list.error} retry={() => void list.refetch()} />
      <Table<AppItem>
        rowKey={(a) => `${a.app_type}\u0000${a.app_name}\u0000${a.version}\u0000${a.install_dir}`}
        columns={columns}
        dataSource={list.data?.data_list}
        loading={list.isFetching}
        pagination={table.pagination(list.data?.total_num)}
        locale={{ emptyText: <Empty description={t('noPackages')} /> }}
        data-testid="host-app-table"
      />
    </>
  );
}

export default function HostDetail() {
  const { t } = useTranslation('hosts');
  const { hostId = '' } = useParams();
  const tabs = useUrlTable({ prefix: 'tab_' });
  const tab = tabs.filters.view === 'packages' ? 'packages' : 'vulns';
  const host = useQuery({ queryKey: ['hosts', 'one', hostId], queryFn: () => listHosts({ host_id: hostId, limit: 10 }), select: (r) => r.data_list[0] ?? null });
  const facts = useQuery({ queryKey: ['host-facts', [hostId]], queryFn: () => hostFacts([hostId]), select: (r) => r.data_list[0] ?? null });
  const h = host.data;
  const x = facts.data;

  if (host.isLoading) return <Loading />;
  if (host.error) return <QueryError error={host.error} retry={() => void host.refetch()} />;
  if (!h) return <Result status="404" title={<h1 style={{ fontSize: 22 }}>{t('notFound')}</h1>} extra={<Link to="/hosts">{t('back')}</Link>} />;

  return (
    <>
      <nav aria-label={t('back')} style={{ marginBottom: 8 }}>
        <Link to="/hosts">
          <ArrowLeftOutlined /> {t('back')}
        </Link>
      </nav>
      <PageTitle extra={x && <SeverityCounts facts={x} />}>{t('hostTitle', { name: h.host_name })}</PageTitle>
      {x?.match_gap && <Alert role="alert" type="warning" showIcon style={{ marginBottom: 16 }} title={t('matchGap', { reason: x.match_gap })} />}
      <Descriptions
        size="small"
        bordered
        column={{ xs: 1, md: 2, xl: 3 }}
        style={{ marginBottom: 16 }}
        items={[
          { key: 'ip', label: t('facts.ip'), children: h.private_ip || '-' },
          { key: 'os', label: t('facts.os'), children: h.os_name || h.os_type },
          { key: 'kernel', label: t('facts.kernel'), children: h.kernel_version || '-' },
          { key: 'agent', label: t('facts.agent'), children: <AgentStatusTag status={h.agent_status} /> },
          { key: 'agentVersion', label: t('facts.agentVersion'), children: h.agent_version || '-' },
          { key: 'seen', label: t('facts.lastSeen'), children: formatTime(h.agent_update_time) },
          { key: 'scan', label: t('facts.lastScan'), children: x ? (x.last_scan_time ? formatTime(x.last_scan_time) : t('never')) : '-' },
          { key: 'inv', label: t('facts.inventory'), children: x?.inventory_time ? formatTime(x.inventory_time) : '-' },
          { key: 'pkgs', label: t('facts.packages'), children: x ? String(x.app_num) : '-' },
          { key: 'asset', label: t('facts.asset'), children: t(`assetValues.${h.asset_value}`, { defaultValue: h.asset_value }) },
          { key: 'id', label: t('facts.id'), children: <Typography.Text copyable>{h.host_id}</Typography.Text> },
          { key: 'agentId', label: t('facts.agentId'), children: <Typography.Text copyable>{h.agent_id}</Typography.Text> },
        ]}
      />
      <Tabs
        activeKey={tab}
        onChange={(k) => tabs.setFilters({ view: k === 'packages' ? 'packages' : undefined })}
        items={[
          { key: 'vulns', label: t('tabs.vulns'), children: <HostVulnerabilities hostId={hostId} /> },
          { key: 'packages', label: t('tabs.packages'), children: <HostPackages hostId={hostId} /> },
        ]}
      />
    </>
  );
}
