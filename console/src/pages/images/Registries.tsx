import { useEffect, useState } from 'react';
import { App, Button, Checkbox, Form, Input, Modal, Popconfirm, Select, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { QueryError } from '../../components/QueryError';
import { readable } from '../../components/Readable';
import { emptyText } from '../../components/EmptyText';
import { StatusTag, type Tone } from '../../components/StatusTag';
import { formatTime } from '../../components/format';
import { useUrlTable } from '../../hooks/useUrlTable';
import { addRegistry, deleteRegistry, listRegistries, REGISTRY_TYPES, syncRegistry, updateRegistry, type Registry, type RegistryInput } from './api';

const CONNECTION_TONE: Record<string, Tone> = { checking: 'processing', connected: 'success', unauthorized: 'error', unreachable: 'error' };
const SYNC_TONE: Record<string, Tone> = { idle: 'default', syncing: 'processing', failed: 'error' };

type FormValues = Required<Omit<RegistryInput, 'registry_password'>> & { registry_password?: string };

/** Add or change a registry: URL, type, credentials, namespace, TLS verification. */
function RegistryForm({ editing, onClose }: { editing: Registry | 'new' | null; onClose(): void }) {
  const { t } = useTranslation('images');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  const current = editing && editing !== 'new' ? editing : null;
  useEffect(() => {
    if (editing) form.resetFields();
  }, [editing, form]);
  const save = useMutation({
    mutationFn: (v: FormValues) => {
      const body: RegistryInput = {
        registry_name: v.registry_name.trim(),
        registry_type: v.registry_type,
        url: v.url.trim(),
        registry_username: v.registry_username ?? '',
        namespace: v.namespace ?? '',
        skip_tls_verify: v.skip_tls_verify ?? false,
        ...(v.registry_password || !current ? { registry_password: v.registry_password ?? '' } : {}),
      };
      return current ? updateRegistry(current.id, body) : addRegistry(body);
    },
    onSuccess: async (r) => {
      message.info(t('reg.saved', { name: r.registry_name }));
      onClose();
      await queryClient.invalidateQueries({ queryKey: ['registries'] });
    },
    onError: (err) => {
      const text = (err as Error).message;
      const field = (['registry_name', 'registry_type', 'url', 'registry_username', 'registry_password', 'namespace'] as const).find((n) => text.includes(n) || (n === 'url' && text.includes('registry_addr')));
      if (field) form.setFields([{ name: field, errors: [text] }]);
      else message.error(t('common:common.error', { message: text }));
    },
  });
  return (
    <Modal
      open={editing !== null}
      title={current ? t('reg.edit') : t('reg.add')}
      okText={t('common:common.save')}
      cancelText={t('common:common.cancel')}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      forceRender
    >
      <Form<FormValues>
        form={form}
        layout="vertical"
        onFinish={(v) => save.mutate(v)}
        initialValues={
          current
            ? { registry_name: current.registry_name, registry_type: current.registry_type, url: current.url, registry_username: current.registry_username, namespace: current.namespace, skip_tls_verify: current.skip_tls_verify }
            : { registry_type: 'Other', skip_tls_verify: false }
        }
      >
        <Form.Item name="registry_name" label={t('reg.name')} rules={[{ required: true, whitespace: true, message: t('reg.required') }]}>
          <Input maxLength={128} />
        </Form.Item>
        <Form.Item name="registry_type" label={t('reg.type')} rules={[{ required: true, message: t('reg.required') }]}>
          <Select options={REGISTRY_TYPES.map((v) => ({ value: v, label: v }))} />
        </Form.Item>
        <Form.Item name="url" label={t('reg.url')} extra={readable(t('reg.urlHelp'))} rules={[{ required: true, whitespace: true, message: t('reg.required') }]}>
          <Input placeholder="https://registry.example.com:5000" maxLength={512} />
        </Form.Item>
        <Form.Item name="registry_username" label={t('reg.username')}>
          <Input autoComplete="off" maxLength={256} />
        </Form.Item>
        <Form.Item name="registry_password" label={t('reg.password')} extra={readable(current ? t('reg.passwordKeep') : undefined)}>
          <Input.Password autoComplete="new-password" maxLength={1024} />
        </Form.Item>
        <Form.Item name="namespace" label={t('reg.namespace')} extra={readable(t('reg.namespaceHelp'))}>
          <Input maxLength={256} />
        </Form.Item>
        <Form.Item name="skip_tls_verify" valuePropName="checked">
          <Checkbox>{t('reg.skipTls')}</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Registries: list with connection and sync state, add/edit, test connection, sync, delete. */
export function Registries() {
  const { t } = useTranslation('images');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const table = useUrlTable();
  const f = table.filters;
  const query = { ...table.pageQuery, registry_name: f.registry_name, status: f.status };
  const registries = useQuery({
    queryKey: ['registries', query],
    queryFn: () => listRegistries(query),
    placeholderData: keepPreviousData,
    // While a connection check or a sync runs, follow it.
    refetchInterval: (q) => (q.state.data?.data_list.some((r) => r.connection_status === 'checking' || r.sync_status === 'syncing') ? 2000 : false),
  });
  const [editing, setEditing] = useState<Registry | 'new' | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['registries'] });
  const act = useMutation({
    mutationFn: async ({ kind, r }: { kind: 'sync' | 'test' | 'delete'; r: Registry }) => {
      if (kind === 'sync') return (await syncRegistry(r.id)).started ? t('reg.syncStarted', { name: r.registry_name }) : t('reg.syncRunning', { name: r.registry_name });
      if (kind === 'test') {
        await updateRegistry(r.id, {});
        return t('reg.saved', { name: r.registry_name });
      }
      await deleteRegistry(r.id);
      return t('reg.deleted', { name: r.registry_name });
    },
    onSuccess: async (text) => {
      message.success(text);
      await refresh();
      await queryClient.invalidateQueries({ queryKey: ['images'] });
    },
    onError: (err) => message.error(t('common:common.error', { message: (err as Error).message })),
  });

  const columns: ColumnsType<Registry> = [
    { title: t('reg.name'), dataIndex: 'registry_name' },
    { title: t('reg.url'), dataIndex: 'url', render: (v: string, r) => <Typography.Text>{r.namespace ? `${v} (${r.namespace})` : v}</Typography.Text> },
    { title: t('reg.type'), dataIndex: 'registry_type' },
    {
      title: t('reg.connection'),
      dataIndex: 'connection_status',
      render: (v: string, r) => (
        <span data-testid="connection-status">
          <StatusTag tone={CONNECTION_TONE[v]}>{t(`connection.${v}`, { defaultValue: v })}</StatusTag>
          {r.fail_reason && v !== 'connected' ? <Typography.Text type="danger">{r.fail_reason}</Typography.Text> : null}
        </span>
      ),
    },
    {
      title: t('reg.syncStatus'),
      dataIndex: 'sync_status',
      render: (v: string, r) => (
        <span data-testid="sync-status">
          <StatusTag tone={SYNC_TONE[v]}>{t(`sync.${v}`, { defaultValue: v })}</StatusTag>
          {r.sync_failed_reason ? <Typography.Text type="danger">{r.sync_failed_reason}</Typography.Text> : null}
        </span>
      ),
    },
    { title: t('reg.images'), dataIndex: 'images_num', render: (v: number, r) => <Link to={`/images/registry?registry_name=${encodeURIComponent(r.registry_name)}`}>{v}</Link> },
    { title: t('reg.lastSync'), dataIndex: 'latest_sync_time', render: formatTime },
    {
      title: t('common:common.actions'),
      key: 'actions',
      render: (_, r) => (
        <Space size={0} wrap aria-label={t('reg.actionsFor', { name: r.registry_name })}>
          <Button type="link" onClick={() => act.mutate({ kind: 'sync', r })} disabled={r.sync_status === 'syncing'}>
            {t('reg.sync')}
          </Button>
          <Button type="link" onClick={() => act.mutate({ kind: 'test', r })}>
            {t('reg.test')}
          </Button>
          <Button type="link" onClick={() => setEditing(r)}>
            {t('reg.edit')}
          </Button>
          <Popconfirm title={t('reg.deleteConfirm', { name: r.registry_name })} okText={t('common:common.confirm')} cancelText={t('common:common.cancel')} onConfirm={() => act.mutate({ kind: 'delete', r })}>
            <Button type="link" danger>
              {t('reg.delete')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <>
      <Space wrap style={{ marginBottom: 16 }}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
          {t('reg.add')}
        </Button>
        <Input.Search
          key={f.registry_name ?? ''}
          aria-label={t('reg.name')}
          placeholder={t('reg.name')}
          allowClear
          defaultValue={f.registry_name}
          onSearch={(v) => table.setFilters({ registry_name: v.trim() })}
          style={{ width: 220 }}
        />
        <Select
          aria-label={t('reg.connection')}
          placeholder={t('reg.connection')}
          allowClear
          style={{ minWidth: 180 }}
          value={f.status}
          onChange={(v?: string) => table.setFilters({ status: v })}
          options={[
            { value: 'success', label: t('connection.connected') },
            { value: 'fail', label: `${t('connection.unauthorized')} / ${t('connection.unreachable')}` },
            { value: 'accessing', label: t('connection.checking') },
          ]}
        />
        <Button icon={<ReloadOutlined />} onClick={() => void registries.refetch()}>
          {t('common:common.refresh')}
        </Button>
      </Space>
      <QueryError error={registries.error} retry={() => void registries.refetch()} />
      <Table<Registry>
        rowKey="id"
        columns={columns}
        dataSource={registries.data?.data_list}
        loading={registries.isFetching && !registries.data}
        locale={emptyText(t('reg.empty'))}
        pagination={table.pagination(registries.data?.total_num)}
      />
      <RegistryForm editing={editing} onClose={() => setEditing(null)} />
    </>
  );
}
