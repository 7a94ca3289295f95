import { useState } from 'react';
import { Alert, App, Button, Form, Input, Modal, Popconfirm, Radio, Space, Table, Tag, Upload } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { PlusOutlined, UploadOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { QueryError } from '../../components/QueryError';
import { emptyText } from '../../components/EmptyText';
import { readable } from '../../components/Readable';
import { formatTime } from '../../components/format';
import { useUrlTable } from '../../hooks/useUrlTable';
import { deleteCluster, listClusters, registerCluster, type Cluster, useScope } from './api';

interface RegisterForm {
  name: string;
  how: 'kubeconfig' | 'snapshot';
  kubeconfig?: string;
  snapshot?: string;
}

function RegisterModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation('jobs');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<RegisterForm>();
  const how = Form.useWatch('how', form);
  const register = useMutation({
    mutationFn: (v: RegisterForm) =>
      registerCluster({ name: v.name.trim(), ...(v.how === 'kubeconfig' ? { kubeconfig: v.kubeconfig ?? '' } : { snapshot: JSON.parse(v.snapshot ?? '{}') as Record<string, unknown> }) }),
    onSuccess: (c) => {
      void message.success(t('clusters.registered', { name: c.name }));
      void queryClient.invalidateQueries({ queryKey: ['clusters'] });
      form.resetFields();
      onClose();
    },
  });
  return (
    <Modal
      open={open}
      title={t('clusters.register')}
      okText={t('clusters.submit')}
      cancelText={t('common:common.cancel')}
      okButtonProps={{ loading: register.isPending }}
      onCancel={onClose}
      onOk={() => void form.validateFields().then((v) => register.mutate(v))}
      destroyOnHidden
      width={640}
    >
      {register.error ? <Alert role="alert" type="error" showIcon title={(register.error as Error).message} style={{ marginBottom: 16 }} /> : null}
      <Form form={form} layout="vertical" initialValues={{ how: 'kubeconfig' }}>
        <Form.Item name="name" label={t('clusters.name')} rules={[{ required: true, whitespace: true, message: t('common:signIn.required') }]}>
          <Input maxLength={128} />
        </Form.Item>
        <Form.Item name="how" label={t('clusters.how')}>
          <Radio.Group
            options={[
              { value: 'kubeconfig', label: t('clusters.kubeconfig') },
              { value: 'snapshot', label: t('clusters.snapshot') },
            ]}
          />
        </Form.Item>
        <Upload
          accept={how === 'snapshot' ? '.json,application/json' : undefined}
          showUploadList={false}
          beforeUpload={(file) => {
            void file.text().then((text) => {
              form.setFieldValue(how === 'snapshot' ? 'snapshot' : 'kubeconfig', text);
              void form.validateFields([how === 'snapshot' ? 'snapshot' : 'kubeconfig']);
            });
            return false;
          }}
        >
          <Button icon={<UploadOutlined />} style={{ marginBottom: 8 }}>
            {t('clusters.fromFile')}
          </Button>
        </Upload>
        {how === 'snapshot' ? (
          <Form.Item
            name="snapshot"
            label={t('clusters.snapshotText')}
            extra={readable(t('clusters.snapshotHelp'))}
            rules={[
              { required: true, message: t('common:signIn.required') },
              {
                validator: async (_, v: string | undefined) => {
                  if (!v) return;
                  try {
                    JSON.parse(v);
                  } catch (err) {
                    throw new Error(t('clusters.badJson', { message: (err as Error).message }));
                  }
                },
              },
            ]}
          >
            <Input.TextArea rows={8} spellCheck={false} style={{ fontFamily: 'monospace' }} />
          </Form.Item>
        ) : (
          <Form.Item name="kubeconfig" label={t('clusters.kubeconfigText')} extra={readable(t('clusters.kubeconfigHelp'))} rules={[{ required: true, message: t('common:signIn.required') }]}>
            <Input.TextArea rows={8} spellCheck={false} style={{ fontFamily: 'monospace' }} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

/** Registered clusters (openhss): list, register by kubeconfig or snapshot, delete. */
export default function Clusters() {
  const { t } = useTranslation('jobs');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const scope = useScope();
  const table = useUrlTable();
  const [open, setOpen] = useState(false);
  const clusters = useQuery({ queryKey: ['clusters', ...scope, table.pageQuery], queryFn: () => listClusters(table.pageQuery), placeholderData: keepPreviousData });
  const remove = useMutation({
    mutationFn: (c: Cluster) => deleteCluster(c.id),
    onSuccess: (_, c) => {
      void message.success(t('clusters.deleted', { name: c.name }));
      void queryClient.invalidateQueries({ queryKey: ['clusters'] });
    },
    onError: (err) => void message.error(t('common:common.error', { message: (err as Error).message })),
  });
  const columns: ColumnsType<Cluster> = [
    { title: t('col.clusterName'), dataIndex: 'name' },
    { title: t('col.source'), dataIndex: 'source', render: (v: string) => <Tag>{t(`clusters.sources.${v}`, { defaultValue: v })}</Tag> },
    { title: t('col.created'), dataIndex: 'created_at', render: formatTime },
    {
      title: t('common:common.actions'),
      key: 'actions',
      render: (_, c) => (
        <Popconfirm title={t('clusters.deleteConfirm', { name: c.name })} okText={t('common:common.confirm')} cancelText={t('common:common.cancel')} onConfirm={() => remove.mutate(c)}>
          <Button danger size="small" aria-label={`${t('clusters.delete')} ${c.name}`}>
            {t('clusters.delete')}
          </Button>
        </Popconfirm>
      ),
    },
  ];
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen(true)}>
          {t('clusters.register')}
        </Button>
      </Space>
      <QueryError error={clusters.error} retry={() => void clusters.refetch()} />
      <Table<Cluster>
        rowKey="id"
        columns={columns}
        dataSource={clusters.data?.data_list}
        loading={clusters.isFetching && !clusters.data}
        locale={emptyText(t('clusters.empty'))}
        pagination={table.pagination(clusters.data?.total_num)}
      />
      <RegisterModal open={open} onClose={() => setOpen(false)} />
    </>
  );
}
