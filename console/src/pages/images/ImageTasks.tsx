import { App, Button, Input, Popconfirm, Progress, Select, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { QueryError } from '../../components/QueryError';
import { emptyText } from '../../components/EmptyText';
import { StatusTag } from '../../components/StatusTag';
import { formatTime } from '../../components/format';
import { useUrlTable } from '../../hooks/useUrlTable';
import { listImageScanTaskImages, listImageScanTasks, stopImageScanTask, type ImageScanTask, type ImageScanTaskImage } from './api';
import { ScanStatusTag } from './ScanStatusTag';

const running = (task: ImageScanTask) => task.task_status >= 0 && task.task_status < 100;
/** task_status: 0–100 progress, -1 stopped, -2 timed out, -3 error. */
const ENDED: Record<number, 'stopped' | 'timeout' | 'error'> = { [-1]: 'stopped', [-2]: 'timeout', [-3]: 'error' };

function TaskProgress({ task }: { task: ImageScanTask }) {
  const { t } = useTranslation('images');
  const ended = ENDED[task.task_status];
  if (ended) return <StatusTag tone={ended === 'stopped' ? 'default' : 'error'}>{t(`taskStatus.${ended}`)}</StatusTag>;
  const done = task.success_num + task.failed_num;
  return (
    <span data-testid="task-progress">
      <Progress
        percent={task.task_status}
        size="small"
        status={task.task_status === 100 ? (task.failed_num > 0 ? 'exception' : 'success') : 'active'}
        aria-label={t('task.progress')}
        style={{ width: 140, marginInlineEnd: 8 }}
      />
      <Typography.Text>
        {done}/{task.total_num}
      </Typography.Text>
    </span>
  );
}

/** Each image of a task and how its scan went (openhss's per-image view). */
function TaskImages({ task }: { task: ImageScanTask }) {
  const { t } = useTranslation('images');
  const images = useQuery({
    queryKey: ['image-scan-task-images', task.task_id],
    queryFn: () => listImageScanTaskImages(task.task_id),
    refetchInterval: running(task) ? 3000 : false,
  });
  const columns: ColumnsType<ImageScanTaskImage> = [
    { title: t('task.imageId'), dataIndex: 'id', render: (id: number) => <Link to={`/images/${id}?source=${task.image_type}`}>{id}</Link> },
    { title: t('task.digest'), dataIndex: 'image_digest', render: (v: string) => (v ? <Typography.Text code>{v.slice(0, 19)}</Typography.Text> : '-') },
    { title: t('task.imageStatus'), dataIndex: 'scan_status', render: (v: string) => <ScanStatusTag status={v} /> },
    { title: t('task.failedReason'), dataIndex: 'failed_reason', render: (v: string) => v || '-' },
    { title: t('task.startedAt'), dataIndex: 'started_at', render: formatTime },
    { title: t('task.finishedAt'), dataIndex: 'finished_at', render: formatTime },
  ];
  return (
    <section aria-label={t('task.images', { id: task.task_id })}>
      <QueryError error={images.error} retry={() => void images.refetch()} />
      <Table<ImageScanTaskImage> size="small" rowKey="id" columns={columns} dataSource={images.data?.data_list} loading={images.isLoading} pagination={{ pageSize: 20, hideOnSinglePage: true }} />
    </section>
  );
}

/** HSS image scan tasks: progress, rate limit, counts, per-image outcome; stop a running one. */
export function ImageTasks() {
  const { t } = useTranslation('images');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const table = useUrlTable();
  const f = table.filters;
  const query = { ...table.pageQuery, task_id: f.task_id, task_status: f.task_status, global_image_type: f.global_image_type };
  const tasks = useQuery({
    queryKey: ['image-scan-tasks', query],
    queryFn: () => listImageScanTasks(query),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.data_list.some(running) ? 3000 : false),
  });
  const stop = useMutation({
    mutationFn: (id: string) => stopImageScanTask(id),
    onSuccess: async (_, id) => {
      message.success(t('task.stopped', { id }));
      await queryClient.invalidateQueries({ queryKey: ['image-scan-tasks'] });
    },
    onError: (err) => message.error(t('common:common.error', { message: (err as Error).message })),
  });

  const columns: ColumnsType<ImageScanTask> = [
    {
      title: t('task.name'),
      dataIndex: 'task_name',
      render: (v: string, r) => (
        <>
          <div>{v}</div>
          <Typography.Text code style={{ fontSize: 12 }}>
            {r.task_id}
          </Typography.Text>
        </>
      ),
    },
    { title: t('task.type'), dataIndex: 'task_type', render: (v: string) => t(`taskType.${v}`, { defaultValue: v }) },
    { title: t('task.imageType'), dataIndex: 'image_type', render: (v: string) => t(`source.${v}`, { defaultValue: v }) },
    { title: t('task.begin'), dataIndex: 'begin_time', render: formatTime },
    { title: t('task.end'), dataIndex: 'end_time', render: formatTime },
    { title: t('task.progress'), dataIndex: 'task_status', render: (_, r) => <TaskProgress task={r} /> },
    { title: t('task.rateLimit'), dataIndex: 'rate_limit', render: (v: number) => (v > 0 ? t('task.perHour', { count: v }) : t('task.unlimited')) },
    {
      title: t('task.counts'),
      key: 'counts',
      render: (_, r) => (
        <span data-testid="task-counts">
          {r.success_num} / {r.failed_num} / {r.total_num}
        </span>
      ),
    },
    { title: t('task.risky'), dataIndex: 'risky_num' },
    { title: t('task.remain'), dataIndex: 'remain_min', render: (v: number, r) => (running(r) ? t('task.minutes', { count: v }) : '-') },
    {
      title: t('task.reason'),
      key: 'reason',
      render: (_, r) => (
        <>
          {r.failed_reason ? <div>{r.failed_reason}</div> : null}
          {r.failed_images.map((i) => (
            <div key={i.id}>
              <Typography.Text type="danger">
                {i.image_name}:{i.image_version} — {i.failed_reason}
              </Typography.Text>
            </div>
          ))}
          {!r.failed_reason && r.failed_images.length === 0 ? '-' : null}
        </>
      ),
    },
    {
      title: t('common:common.actions'),
      key: 'actions',
      render: (_, r) =>
        running(r) ? (
          <Popconfirm title={t('task.stopConfirm', { id: r.task_id })} okText={t('common:common.confirm')} cancelText={t('common:common.cancel')} onConfirm={() => stop.mutate(r.task_id)}>
            <Button danger size="small">
              {t('task.stop')}
            </Button>
          </Popconfirm>
        ) : (
          '-'
        ),
    },
  ];

  return (
    <>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          key={f.task_id ?? ''}
          aria-label={t('task.idFilter')}
          placeholder={t('task.idFilter')}
          allowClear
          defaultValue={f.task_id}
          onSearch={(v) => table.setFilters({ task_id: v.trim() })}
          style={{ width: 300 }}
        />
        <Select
          aria-label={t('task.statusFilter')}
          placeholder={t('task.statusFilter')}
          allowClear
          style={{ minWidth: 160 }}
          value={f.task_status}
          onChange={(v?: string) => table.setFilters({ task_status: v })}
          options={(['running', 'finished', 'stopped', 'timeout', 'error'] as const).map((s) => ({ value: s, label: t(`taskStatus.${s}`) }))}
        />
        <Select
          aria-label={t('task.sourceFilter')}
          placeholder={t('task.sourceFilter')}
          allowClear
          style={{ minWidth: 160 }}
          value={f.global_image_type}
          onChange={(v?: string) => table.setFilters({ global_image_type: v })}
          options={(['registry', 'local', 'cicd'] as const).map((s) => ({ value: s, label: t(`source.${s}`) }))}
        />
        <Button icon={<ReloadOutlined />} onClick={() => void tasks.refetch()}>
          {t('common:common.refresh')}
        </Button>
      </Space>
      <QueryError error={tasks.error} retry={() => void tasks.refetch()} />
      <Table<ImageScanTask>
        rowKey="task_id"
        columns={columns}
        dataSource={tasks.data?.data_list}
        loading={tasks.isFetching && !tasks.data}
        locale={emptyText(t('task.empty'))}
        pagination={table.pagination(tasks.data?.total_num)}
        expandable={{ expandedRowRender: (task) => <TaskImages task={task} /> }}
      />
    </>
  );
}
