import { useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Flex, Form, Input, InputNumber, Radio, Select, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { DeleteOutlined, DownloadOutlined } from '@ant-design/icons';
import { useMutation, useQueries } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { HOST_VUL_STATUSES } from './texts';
import { VUL_TYPES } from '../../components/vulTypes';
import { PageTitle } from '../../components/PageTitle';
import { readable } from '../../components/Readable';
import { emptyText } from '../../components/EmptyText';
import { StatusTag, type Tone } from '../../components/StatusTag';
import { SEVERITIES } from '../../components/Severity';
import { formatTime } from '../../components/format';
import { download, type Query } from '../../api/client';
import { downloadPath, getExportTask, loadStarted, saveStarted, startExport, type ExportKind, type ExportTask, type StartedExport } from './api';

const KINDS: ExportKind[] = ['local_image', 'registry_image', 'host'];
const STATUS_TONE: Record<string, Tone> = { running: 'processing', success: 'success', failure: 'error' };

interface FormValues {
  export_size: number;
  format: 'xlsx' | 'csv';
  // image exports (body)
  operate_all?: boolean;
  image_id_list?: string[];
  image_name?: string;
  image_version?: string;
  namespace?: string;
  scan_status?: string;
  vul_type?: string;
  handle_status?: string;
  has_container?: boolean;
  vul_id_list?: string[];
  // host export (query)
  category?: 'vul' | 'host';
  type?: string;
  repair_priority?: string;
  status?: string;
  asset_value?: string;
  vul_id?: string;
  cve_id?: string;
  host_id?: string;
}

const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() || undefined : v);

/** The request the export route takes: the host export's filters go in the query, the image exports' in the body. */
function requestOf(kind: ExportKind, v: FormValues): { query: Query; body: Record<string, unknown> } {
  const query: Query = { export_size: v.export_size, format: v.format };
  if (kind === 'host') {
    for (const k of ['category', 'type', 'repair_priority', 'status', 'handle_status', 'asset_value', 'vul_id', 'cve_id', 'host_id'] as const) query[k] = trimmed(v[k]) as string | undefined;
    return { query, body: {} };
  }
  const body: Record<string, unknown> = {};
  const fields = ['image_name', 'image_version', 'scan_status', 'vul_type', 'handle_status', ...(kind === 'registry_image' ? ['namespace'] : [])] as const;
  for (const k of fields) {
    const value = trimmed(v[k as keyof FormValues]);
    if (value !== undefined && value !== null) body[k] = value;
  }
  if (v.operate_all) body.operate_all = true;
  else body.image_id_list = v.image_id_list ?? [];
  if (kind === 'local_image' && v.has_container) body.has_container = true;
  if (v.vul_id_list?.length) body.vul_id_list = v.vul_id_list;
  return { query, body };
}

function ExportForm({ onStarted }: { onStarted(e: StartedExport): void }) {
  const { t } = useTranslation('exports');
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const kind: ExportKind = KINDS.includes(params.get('kind') as ExportKind) ? (params.get('kind') as ExportKind) : 'local_image';
  const [form] = Form.useForm<FormValues>();
  const operateAll = Form.useWatch('operate_all', form);
  const start = useMutation({
    mutationFn: async (v: FormValues) => {
      const { query, body } = requestOf(kind, v);
      return { created: await startExport(kind, query, body), format: v.format };
    },
    onSuccess: ({ created, format }) => {
      message.success(t('started', { id: created.task_id, count: created.record_total_num }));
      onStarted({ taskId: created.task_id, kind, createdAt: Date.now(), format, recordTotalNum: created.record_total_num });
    },
    onError: (err) => message.error(t('common:common.error', { message: (err as Error).message })),
  });
  const image = kind !== 'host';
  return (
    <Card size="small" title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('newExport')}</h2>}>
      <Form<FormValues>
        form={form}
        layout="vertical"
        initialValues={{ export_size: 10_000, format: 'xlsx', operate_all: true, category: 'vul', type: 'linux_vul' }}
        onFinish={(v) => {
          if (image && !v.operate_all && !(v.image_id_list?.length ?? 0)) {
            form.setFields([{ name: 'image_id_list', errors: [t('needImages')] }]);
            return;
          }
          start.mutate(v);
        }}
      >
        <Form.Item label={t('kind')}>
          <Radio.Group
            optionType="button"
            value={kind}
            onChange={(e) => setParams((prev) => ({ ...Object.fromEntries(prev), kind: e.target.value as string }))}
            options={KINDS.map((k) => ({ value: k, label: t(`kinds.${k}`) }))}
          />
        </Form.Item>
        {image ? (
          <>
            <Form.Item name="operate_all" valuePropName="checked">
              <Checkbox>{t('field.operateAll')}</Checkbox>
            </Form.Item>
            {!operateAll ? (
              <Form.Item name="image_id_list" label={t('field.imageIds')} extra={readable(t('field.imageIdsHelp'))}>
                <Select mode="tags" open={false} style={{ maxWidth: 640 }} />
              </Form.Item>
            ) : null}
            <Space wrap align="start">
              <Form.Item name="image_name" label={t('field.imageName')}>
                <Input maxLength={512} />
              </Form.Item>
              <Form.Item name="image_version" label={t('field.imageVersion')}>
                <Input maxLength={256} />
              </Form.Item>
              {kind === 'registry_image' ? (
                <Form.Item name="namespace" label={t('field.namespace')}>
                  <Input maxLength={256} />
                </Form.Item>
              ) : null}
              <Form.Item name="scan_status" label={t('field.scanStatus')}>
                <Select allowClear style={{ width: 160 }} options={(['success', 'failed', 'unscan'] as const).map((s) => ({ value: s, label: t(`scanStatus.${s}`) }))} />
              </Form.Item>
              <Form.Item name="vul_type" label={t('field.vulType')}>
                <Select allowClear style={{ width: 160 }} options={(['linux_vul', 'app_vul'] as const).map((s) => ({ value: s, label: t(`imageVulType.${s}`) }))} />
              </Form.Item>
              <Form.Item name="handle_status" label={t('field.handleStatus')}>
                <Select allowClear style={{ width: 160 }} options={(['unhandled', 'handled'] as const).map((s) => ({ value: s, label: t(`handle.${s}`) }))} />
              </Form.Item>
            </Space>
            <Form.Item name="vul_id_list" label={t('field.vulIds')}>
              <Select mode="tags" open={false} style={{ maxWidth: 640 }} />
            </Form.Item>
            {kind === 'local_image' ? (
              <Form.Item name="has_container" valuePropName="checked">
                <Checkbox>{t('field.hasContainer')}</Checkbox>
              </Form.Item>
            ) : null}
          </>
        ) : (
          <Space wrap align="start">
            <Form.Item name="category" label={t('field.category')}>
              <Radio.Group options={(['vul', 'host'] as const).map((c) => ({ value: c, label: t(`category.${c}`) }))} />
            </Form.Item>
            <Form.Item name="type" label={t('field.hostVulType')}>
              <Select style={{ width: 220 }} options={VUL_TYPES.map((v) => ({ value: v, label: t(`vultypes:${v}`) }))} />
            </Form.Item>
            <Form.Item name="repair_priority" label={t('field.severity')}>
              <Select allowClear style={{ width: 140 }} options={SEVERITIES.map((s) => ({ value: s, label: t(`common:severity.${s}`) }))} />
            </Form.Item>
            <Form.Item name="status" label={t('field.status')}>
              <Select allowClear style={{ width: 200 }} options={HOST_VUL_STATUSES.map((s) => ({ value: s, label: t(`hostVulStatus.${s}`) }))} />
            </Form.Item>
            <Form.Item name="handle_status" label={t('field.handleStatus')}>
              <Select allowClear style={{ width: 140 }} options={(['unhandled', 'handled'] as const).map((s) => ({ value: s, label: t(`handle.${s}`) }))} />
            </Form.Item>
            <Form.Item name="asset_value" label={t('field.assetValue')}>
              <Select allowClear style={{ width: 140 }} options={(['important', 'common', 'test'] as const).map((s) => ({ value: s, label: t(`assetValue.${s}`) }))} />
            </Form.Item>
            <Form.Item name="vul_id" label={t('field.vulId')}>
              <Input maxLength={256} />
            </Form.Item>
            <Form.Item name="cve_id" label={t('field.cveId')}>
              <Input maxLength={64} />
            </Form.Item>
            <Form.Item name="host_id" label={t('field.hostId')}>
              <Input maxLength={64} />
            </Form.Item>
          </Space>
        )}
        <Space wrap align="start">
          <Form.Item name="export_size" label={t('field.exportSize')}>
            <InputNumber min={1} max={300_000} precision={0} style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="format" label={t('field.format')}>
            <Radio.Group options={[{ value: 'xlsx', label: 'Excel (xlsx)' }, { value: 'csv', label: 'CSV' }]} />
          </Form.Item>
        </Space>
        <Button type="primary" htmlType="submit" loading={start.isPending}>
          {t('start')}
        </Button>
      </Form>
    </Card>
  );
}

export default function ExportsPage() {
  const { t } = useTranslation('exports');
  const { message } = App.useApp();
  const [started, setStarted] = useState<StartedExport[]>(loadStarted);
  const update = (list: StartedExport[]) => {
    setStarted(list);
    saveStarted(list);
  };
  // Each export is followed until its file is ready or it failed.
  const tasks = useQueries({
    queries: started.map((e) => ({
      queryKey: ['export-task', e.taskId],
      queryFn: () => getExportTask(e.taskId),
      refetchInterval: (q: { state: { data?: ExportTask } }) => (q.state.data && q.state.data.task_status !== 'running' ? false : 1500),
      retry: false,
    })),
  });
  const rows = started.map((e, i) => ({ ...e, task: tasks[i]?.data, error: tasks[i]?.error as Error | null | undefined }));
  type Row = (typeof rows)[number];

  const columns: ColumnsType<Row> = [
    {
      title: t('col.kind'),
      dataIndex: 'kind',
      render: (k: ExportKind, r) => (
        <>
          <div>{t(`kinds.${k}`)}</div>
          <Typography.Text code style={{ fontSize: 12 }}>
            {r.taskId}
          </Typography.Text>
        </>
      ),
    },
    { title: t('col.started'), dataIndex: 'createdAt', render: formatTime },
    { title: t('col.rows'), key: 'rows', render: (_, r) => r.task?.record_total_num ?? r.recordTotalNum },
    {
      title: t('col.status'),
      key: 'status',
      render: (_, r) =>
        r.error ? (
          <Typography.Text type="danger">{r.error.message}</Typography.Text>
        ) : r.task ? (
          <span data-testid="export-status">
            <StatusTag tone={STATUS_TONE[r.task.task_status]}>{t(`status.${r.task.task_status}`)}</StatusTag>
            {r.task.failed_reason ? <Typography.Text type="danger">{r.task.failed_reason}</Typography.Text> : null}
            {r.task.status_detail ? <div style={{ fontSize: 12 }}>{r.task.status_detail}</div> : null}
          </span>
        ) : (
          <StatusTag tone="processing">{t('status.running')}</StatusTag>
        ),
    },
    { title: t('col.expires'), key: 'expires', render: (_, r) => formatTime(r.task?.expires_at) },
    {
      title: t('col.file'),
      key: 'file',
      render: (_, r) =>
        r.task?.task_status === 'success' && r.task.file_id ? (
          <Button
            icon={<DownloadOutlined />}
            aria-label={t('downloadName', { name: r.task.file_name })}
            onClick={() => download(downloadPath(r.task!.file_id), r.task!.file_name || `export.${r.format}`).catch((err: Error) => message.error(t('downloadFailed', { message: err.message })))}
          >
            {r.task.file_name || t('download')}
          </Button>
        ) : (
          '-'
        ),
    },
    {
      title: t('common:common.actions'),
      key: 'forget',
      render: (_, r) => (
        <Button type="text" icon={<DeleteOutlined />} aria-label={t('forgetFor', { id: r.taskId })} title={t('forget')} onClick={() => update(started.filter((e) => e.taskId !== r.taskId))} />
      ),
    },
  ];

  return (
    <>
      <PageTitle>{t('title')}</PageTitle>
      <Flex vertical gap={24}>
        <ExportForm onStarted={(e) => update([e, ...started])} />
        <Card size="small" title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('list')}</h2>}>
          <Alert type="info" showIcon title={t('listHelp')} style={{ marginBottom: 12 }} />
          <Table<Row> rowKey="taskId" columns={columns} dataSource={rows} locale={emptyText(t('empty'))} pagination={{ pageSize: 10, hideOnSinglePage: true }} />
        </Card>
      </Flex>
    </>
  );
}
