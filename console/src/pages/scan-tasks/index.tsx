import { useState } from 'react';
import { Button, Input, Select, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import './texts';
import '../../components/vulTypes';
import { PageTitle } from '../../components/PageTitle';
import { emptyText } from '../../components/EmptyText';
import { StatusTag, type Tone } from '../../components/StatusTag';
import { QueryError } from '../../components/QueryError';
import { TimeRangeFilter } from '../../components/TimeRangeFilter';
import { formatTime } from '../../components/format';
import { useUrlTable } from '../../hooks/useUrlTable';
import { listScanTaskHosts, listScanTasks, type VulScanTask, type VulScanTaskHost } from './api';

const STATUS_TONE: Record<string, Tone> = { running: 'processing', finished: 'success', scanning: 'processing', success: 'success', failed: 'error' };

/** The hosts of one task and each one's outcome, with the reasons a host failed (ListVulScanTaskHost). */
function TaskHosts({ task }: { task: VulScanTask }) {
  const { t } = useTranslation('scanTasks');
  const [page, setPage] = useState({ offset: 0, limit: 10 });
  const [status, setStatus] = useState<string | undefined>();
  const query = { ...page, scan_status: status };
  const hosts = useQuery({
    queryKey: ['scan-task-hosts', task.id, query],
    queryFn: () => listScanTaskHosts(task.id, query),
    placeholderData: keepPreviousData,
    refetchInterval: task.status === 'running' ? 5000 : false,
  });
  const columns: ColumnsType<VulScanTaskHost> = [
    { title: t('col.hostName'), dataIndex: 'host_name', render: (v: string, h) => <Link to={`/hosts/${encodeURIComponent(h.host_id)}`}>{v || h.host_id}</Link> },
    { title: t('col.ip'), key: 'ip', render: (_, h) => [h.private_ip, h.public_ip].filter(Boolean).join(' / ') || '-' },
    { title: t('col.assetValue'), dataIndex: 'asset_value', render: (v: string) => t(`assetValue.${v}`, { defaultValue: v }) },
    { title: t('col.hostStatus'), dataIndex: 'scan_status', render: (v: string) => <StatusTag tone={STATUS_TONE[v]}>{t(`hostStatus.${v}`, { defaultValue: v })}</StatusTag> },
    {
      title: t('col.reasons'),
      dataIndex: 'failed_reasons',
      render: (reasons: VulScanTaskHost['failed_reasons']) =>
        reasons.length === 0 ? (
          '-'
        ) : (
          <ul style={{ margin: 0, paddingInlineStart: 18 }}>
            {reasons.map((r, i) => (
              <li key={i}>
                <Typography.Text strong>{r.vul_type === 'all' ? t('allReasons') : t(`vultypes:${r.vul_type}`, { defaultValue: r.vul_type })}</Typography.Text>: {r.failed_reason}
              </li>
            ))}
          </ul>
        ),
    },
  ];
  return (
    <section aria-label={t('hostsOf', { id: task.id })}>
      <QueryError error={hosts.error} retry={() => void hosts.refetch()} />
      <Space style={{ marginBottom: 8 }}>
        <Select
          aria-label={t('hostStatusFilter')}
          placeholder={t('hostStatusFilter')}
          allowClear
          style={{ minWidth: 180 }}
          value={status}
          onChange={(v?: string) => {
            setStatus(v);
            setPage((p) => ({ ...p, offset: 0 }));
          }}
          options={(['scanning', 'success', 'failed'] as const).map((s) => ({ value: s, label: t(`hostStatus.${s}`) }))}
        />
      </Space>
      <Table<VulScanTaskHost>
        size="small"
        rowKey="host_id"
        columns={columns}
        dataSource={hosts.data?.data_list}
        loading={hosts.isFetching && !hosts.data}
        locale={emptyText(t('noHosts'))}
        pagination={{
          current: page.offset / page.limit + 1,
          pageSize: page.limit,
          total: hosts.data?.total_num ?? 0,
          showSizeChanger: true,
          pageSizeOptions: [10, 20, 50, 100, 200],
          onChange: (p, size) => setPage({ offset: size === page.limit ? (p - 1) * size : 0, limit: size }),
        }}
      />
    </section>
  );
}

export default function ScanTasksPage() {
  const { t } = useTranslation('scanTasks');
  const table = useUrlTable();
  const f = table.filters;
  const query = { ...table.pageQuery, scan_type: f.scan_type, task_id: f.task_id, min_start_time: f.min_start_time, max_start_time: f.max_start_time };
  const tasks = useQuery({
    queryKey: ['scan-tasks', query],
    queryFn: () => listScanTasks(query),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.data_list.some((task) => task.status === 'running') ? 5000 : false),
  });
  const [expanded, setExpanded] = useState<string[]>([]);

  const columns: ColumnsType<VulScanTask> = [
    { title: t('col.id'), dataIndex: 'id', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
    { title: t('col.scanType'), dataIndex: 'scan_type', render: (v: string) => t(`scanType.${v}`, { defaultValue: v }) },
    { title: t('col.start'), dataIndex: 'start_time', render: formatTime },
    { title: t('col.end'), dataIndex: 'end_time', render: formatTime },
    {
      title: t('col.vulTypes'),
      dataIndex: 'scan_vul_types',
      render: (types: string[]) => (
        <Space size={[0, 4]} wrap>
          {types.map((v) => (
            <Tag key={v}>{t(`vultypes:${v}`, { defaultValue: v })}</Tag>
          ))}
        </Space>
      ),
    },
    { title: t('col.status'), dataIndex: 'status', render: (v: string) => <StatusTag tone={STATUS_TONE[v]}>{t(`status.${v}`, { defaultValue: v })}</StatusTag> },
    {
      title: t('col.hosts'),
      key: 'hosts',
      render: (_, r) => (
        <span data-testid="host-counts">
          {r.scanning_host_num} / {r.success_host_num} / <Typography.Text type={r.failed_host_num > 0 ? 'danger' : undefined}>{r.failed_host_num}</Typography.Text>
        </span>
      ),
    },
    { title: t('col.estimated'), dataIndex: 'estimated_time', render: (v: number, r) => (r.status === 'running' ? t('minutes', { count: v }) : '-') },
  ];

  return (
    <>
      <PageTitle extra={<Button icon={<ReloadOutlined />} onClick={() => void tasks.refetch()}>{t('common:common.refresh')}</Button>}>{t('title')}</PageTitle>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          aria-label={t('filters.scanType')}
          placeholder={t('filters.scanType')}
          allowClear
          style={{ minWidth: 160 }}
          value={f.scan_type}
          onChange={(v?: string) => table.setFilters({ scan_type: v })}
          options={(['manual', 'schedule'] as const).map((s) => ({ value: s, label: t(`scanType.${s}`) }))}
        />
        <Input.Search
          aria-label={t('filters.taskId')}
          placeholder={t('filters.taskId')}
          allowClear
          defaultValue={f.task_id}
          key={f.task_id ?? ''}
          onSearch={(v) => table.setFilters({ task_id: v.trim() })}
          style={{ width: 280 }}
        />
        <TimeRangeFilter
          label={t('filters.time')}
          from={f.min_start_time}
          to={f.max_start_time}
          onChange={(from, to) => table.setFilters({ min_start_time: from, max_start_time: to })}
        />
      </Space>
      <QueryError error={tasks.error} retry={() => void tasks.refetch()} />
      <Table<VulScanTask>
        rowKey="id"
        columns={columns}
        dataSource={tasks.data?.data_list}
        loading={tasks.isFetching && !tasks.data}
        locale={emptyText(t('empty'))}
        pagination={table.pagination(tasks.data?.total_num)}
        expandable={{
          expandedRowKeys: expanded,
          onExpandedRowsChange: (keys) => setExpanded(keys as string[]),
          expandedRowRender: (task) => <TaskHosts task={task} />,
        }}
      />
    </>
  );
}
