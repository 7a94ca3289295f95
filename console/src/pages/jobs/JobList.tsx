import { useState } from 'react';
import { Link } from 'react-router';
import { App, Button, Input, Segmented, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { CloudUploadOutlined, DeploymentUnitOutlined, ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { QueryError } from '../../components/QueryError';
import { StatusTag, type Tone } from '../../components/StatusTag';
import { emptyText } from '../../components/EmptyText';
import { TimeRangeFilter } from '../../components/TimeRangeFilter';
import { formatTime } from '../../components/format';
import { useUrlTable } from '../../hooks/useUrlTable';
import { CLUSTER_SCAN_TYPES, IAC_FILE_TYPES, jobsKey, listJobs, retryJob, TASK_STATUSES, TASK_TYPES, TRIGGER_TYPES, type Job, type JobFilter, type TaskType, useScope } from './api';
import { ClusterScanModal, IacScanModal } from './StartScan';

export const JOB_STATUS_TONE: Record<string, Tone> = { ready: 'default', running: 'processing', finished: 'success', waiting: 'default', scanning: 'processing', success: 'success', failed: 'error' };

/** Scanning / succeeded / failed counts of a job's clusters or files. */
export function JobProgress({ job }: { job: Job }) {
  const { t } = useTranslation('jobs');
  const c = job.cluster_scan_info;
  const i = job.iac_scan_info;
  const scanning = c ? c.scanning_cluster_num : (i?.scan_file_num ?? 0) - (i?.success_file_num ?? 0) - (i?.failed_file_num ?? 0);
  const success = c?.success_cluster_num ?? i?.success_file_num ?? 0;
  const failed = c?.failed_cluster_num ?? i?.failed_file_num ?? 0;
  return (
    <span data-testid="job-progress" aria-label={t('progress', { scanning, success, failed })}>
      {scanning} / {success} / <Typography.Text type={failed > 0 ? 'danger' : undefined}>{failed}</Typography.Text>
    </span>
  );
}

/** What a job scans: its scan items, or its file type and file count. */
export function JobScope({ job }: { job: Job }) {
  const { t } = useTranslation('jobs');
  if (job.cluster_scan_info)
    return (
      <Space size={[0, 4]} wrap>
        {job.cluster_scan_info.scan_type_list.map((s) => (
          <Tag key={s}>{t(`scanType.${s}`, { defaultValue: s })}</Tag>
        ))}
      </Space>
    );
  return <Tag>{t(`fileType.${job.iac_scan_info?.file_type}`, { defaultValue: job.iac_scan_info?.file_type ?? '-' })}</Tag>;
}

/** The jobs list (seed 2): one job type at a time, every documented filter in the URL, paged by the server. */
export function JobList() {
  const { t } = useTranslation('jobs');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const scope = useScope();
  const table = useUrlTable();
  const f = table.filters;
  const taskType: TaskType = f.task_type === 'cluster_scan' ? 'cluster_scan' : 'iac_scan';
  const scanTypes = f.scan_types ? f.scan_types.split(',').filter(Boolean) : [];
  const body: JobFilter = {
    task_type: taskType,
    ...(f.task_name ? { task_name: f.task_name } : {}),
    ...(f.task_status ? { task_status: f.task_status } : {}),
    ...(f.trigger_type ? { trigger_type: f.trigger_type } : {}),
    ...(f.from ? { start_create_time: Number(f.from) } : {}),
    ...(f.to ? { end_create_time: Number(f.to) } : {}),
    sort_key: 'start_time',
    sort_dir: f.sort_dir === 'asc' ? 'asc' : 'desc',
    ...(taskType === 'cluster_scan' && scanTypes.length > 0 ? { cluster_scan_info: { scan_type_list: scanTypes } } : {}),
    ...(taskType === 'iac_scan' && f.file_type ? { iac_scan_info: { file_type: f.file_type } } : {}),
  };
  const jobs = useQuery({
    queryKey: [...jobsKey, ...scope, body, table.pageQuery],
    queryFn: () => listJobs(body, table.pageQuery),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.data_list.some((j) => j.task_status !== 'finished') ? 3000 : false),
  });
  const retry = useMutation({
    mutationFn: (taskId: string) => retryJob(taskId),
    onSuccess: () => {
      void message.success(t('retried'));
      void queryClient.invalidateQueries({ queryKey: jobsKey });
    },
    onError: (err) => void message.error(t('common:common.error', { message: (err as Error).message })),
  });
  const [modal, setModal] = useState<TaskType | null>(null);

  const columns: ColumnsType<Job> = [
    {
      title: t('col.name'),
      dataIndex: 'task_name',
      render: (name: string, j) => (
        <Space direction="vertical" size={0}>
          <Link to={`/jobs/${encodeURIComponent(j.task_id)}?type=${j.task_type}`}>{name}</Link>
          <Typography.Text type="secondary" style={{ fontSize: 12, color: '#595959' }}>
            {j.task_id}
          </Typography.Text>
        </Space>
      ),
    },
    { title: t('col.status'), dataIndex: 'task_status', render: (v: string) => <StatusTag tone={JOB_STATUS_TONE[v]}>{t(`status.${v}`, { defaultValue: v })}</StatusTag> },
    { title: t('col.trigger'), dataIndex: 'trigger_type', render: (v: string) => t(`trigger.${v}`, { defaultValue: v }) },
    { title: t('col.items'), key: 'scope', render: (_, j) => <JobScope job={j} /> },
    { title: t('col.progress'), key: 'progress', render: (_, j) => <JobProgress job={j} /> },
    { title: t('col.start'), dataIndex: 'start_time', render: formatTime },
    { title: t('col.end'), dataIndex: 'end_time', render: formatTime },
    { title: t('col.estimated'), dataIndex: 'estimated_time', render: (v: number, j) => (j.task_status === 'finished' ? '-' : t('minutes', { count: v })) },
    {
      title: t('common:common.actions'),
      key: 'actions',
      render: (_, j) => (
        <Space>
          <Link to={`/jobs/${encodeURIComponent(j.task_id)}?type=${j.task_type}`} aria-label={`${t('open')} ${j.task_name}`}>
            {t('open')}
          </Link>
          {j.task_type === 'cluster_scan' && j.task_status === 'finished' && (j.cluster_scan_info?.failed_cluster_num ?? 0) > 0 ? (
            <Button size="small" loading={retry.isPending && retry.variables === j.task_id} onClick={() => retry.mutate(j.task_id)}>
              {t('retry')}
            </Button>
          ) : null}
        </Space>
      ),
    },
  ];

  return (
    <>
      <Space wrap style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }}>
        <Segmented<TaskType>
          aria-label={t('taskTypeLabel')}
          value={taskType}
          onChange={(v) => table.setFilters({ task_type: v, scan_types: undefined, file_type: undefined })}
          options={TASK_TYPES.map((v) => ({ value: v, label: t(`taskType.${v}`) }))}
        />
        <Space wrap>
          <Button icon={<DeploymentUnitOutlined />} onClick={() => setModal('cluster_scan')}>
            {t('newClusterScan')}
          </Button>
          <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => setModal('iac_scan')}>
            {t('newIacScan')}
          </Button>
          <Tooltip title={t('refresh')}>
            <Button aria-label={t('refresh')} icon={<ReloadOutlined />} onClick={() => void jobs.refetch()} />
          </Tooltip>
        </Space>
      </Space>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          aria-label={t('filters.name')}
          placeholder={t('filters.name')}
          allowClear
          defaultValue={f.task_name}
          key={`name-${f.task_name ?? ''}`}
          onSearch={(v) => table.setFilters({ task_name: v.trim() })}
          style={{ width: 220 }}
        />
        <Select
          aria-label={t('filters.status')}
          placeholder={t('filters.status')}
          allowClear
          style={{ minWidth: 130 }}
          value={f.task_status}
          onChange={(v?: string) => table.setFilters({ task_status: v })}
          options={TASK_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
        />
        <Select
          aria-label={t('filters.trigger')}
          placeholder={t('filters.trigger')}
          allowClear
          style={{ minWidth: 130 }}
          value={f.trigger_type}
          onChange={(v?: string) => table.setFilters({ trigger_type: v })}
          options={TRIGGER_TYPES.map((s) => ({ value: s, label: t(`trigger.${s}`) }))}
        />
        {taskType === 'cluster_scan' ? (
          <Select
            mode="multiple"
            aria-label={t('filters.scanTypes')}
            placeholder={t('filters.scanTypes')}
            allowClear
            style={{ minWidth: 220 }}
            value={scanTypes}
            onChange={(v: string[]) => table.setFilters({ scan_types: v.join(',') })}
            options={CLUSTER_SCAN_TYPES.map((s) => ({ value: s, label: t(`scanType.${s}`) }))}
          />
        ) : (
          <Select
            aria-label={t('filters.fileType')}
            placeholder={t('filters.fileType')}
            allowClear
            style={{ minWidth: 160 }}
            value={f.file_type}
            onChange={(v?: string) => table.setFilters({ file_type: v })}
            options={IAC_FILE_TYPES.map((s) => ({ value: s, label: t(`fileType.${s}`) }))}
          />
        )}
        <TimeRangeFilter label={t('filters.created')} from={f.from} to={f.to} onChange={(from, to) => table.setFilters({ from, to })} />
        <Select
          aria-label={t('filters.sort')}
          style={{ minWidth: 140 }}
          value={f.sort_dir === 'asc' ? 'asc' : 'desc'}
          onChange={(v: string) => table.setFilters({ sort_dir: v === 'asc' ? 'asc' : undefined })}
          options={[
            { value: 'desc', label: t('filters.newest') },
            { value: 'asc', label: t('filters.oldest') },
          ]}
        />
      </Space>
      <QueryError error={jobs.error} retry={() => void jobs.refetch()} />
      <Table<Job>
        rowKey="task_id"
        columns={columns}
        dataSource={jobs.data?.data_list}
        loading={jobs.isFetching && !jobs.data}
        locale={emptyText(t('empty'))}
        pagination={table.pagination(jobs.data?.total_num)}
        scroll={{ x: 'max-content' }}
      />
      <ClusterScanModal open={modal === 'cluster_scan'} onClose={() => setModal(null)} />
      <IacScanModal open={modal === 'iac_scan'} onClose={() => setModal(null)} />
    </>
  );
}
