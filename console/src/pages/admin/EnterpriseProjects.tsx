import { useState } from 'react';
import { App, Button, Form, Input, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { FormModal } from './FormModal';
import { QueryError } from '../../components/QueryError';
import { emptyText } from '../../components/EmptyText';
import { readable } from '../../components/Readable';
import { formatTime } from '../../components/format';
import { listEnterpriseProjects, type EnterpriseProject } from '../../api/identity';
import { createEnterpriseProject } from './api';

/** Enterprise projects: all of the account's for its first user (who alone may create them; the API refuses others). */
export default function EnterpriseProjects() {
  const { t } = useTranslation('admin');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ name: string; description?: string }>();
  const [creating, setCreating] = useState(false);
  const eps = useQuery({ queryKey: ['enterprise-projects', 'admin'], queryFn: () => listEnterpriseProjects() });
  const create = useMutation({
    mutationFn: (v: { name: string; description?: string }) => createEnterpriseProject(v.name.trim(), v.description?.trim() ?? ''),
    onSuccess: (r) => {
      void message.success(t('eps.created', { name: r.enterprise_project.name }));
      setCreating(false);
      form.resetFields();
      // The header's enterprise-project switch lists them too.
      void queryClient.invalidateQueries({ queryKey: ['enterprise-projects'] });
    },
  });
  const columns: ColumnsType<EnterpriseProject & { created_at?: string }> = [
    { title: t('eps.col.name'), dataIndex: 'name', render: (v: string, e) => (e.id === '0' ? `${v} (${t('eps.default')})` : v) },
    { title: t('eps.col.id'), dataIndex: 'id', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
    { title: t('eps.col.description'), dataIndex: 'description', render: (v?: string) => v || '-' },
    { title: t('eps.col.created'), dataIndex: 'created_at', render: formatTime },
  ];
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t('eps.create')}
        </Button>
      </Space>
      <QueryError error={eps.error} retry={() => void eps.refetch()} />
      <Table rowKey="id" columns={columns} dataSource={eps.data?.enterprise_projects} loading={eps.isFetching && !eps.data} locale={emptyText(t('eps.empty'))} />
      <FormModal open={creating} title={t('eps.create')} form={form} pending={create.isPending} error={create.error} onCancel={() => setCreating(false)} onSubmit={(v) => create.mutate(v)}>
        <Form.Item name="name" label={t('eps.name')} extra={readable(t('eps.nameHelp'))} rules={[{ required: true, pattern: /^[A-Za-z0-9_.-]{1,64}$/, message: t('eps.nameHelp') }]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="description" label={t('eps.description')}>
          <Input maxLength={255} />
        </Form.Item>
      </FormModal>
    </>
  );
}
