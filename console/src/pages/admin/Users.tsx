import { useState } from 'react';
import { Alert, App, Button, Form, Input, Modal, Select, Space, Table } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { FormModal } from './FormModal';
import { QueryError } from '../../components/QueryError';
import { StatusTag } from '../../components/StatusTag';
import { emptyText } from '../../components/EmptyText';
import { readable } from '../../components/Readable';
import { formatTime } from '../../components/format';
import { useSession } from '../../hooks/useSession';
import { listEnterpriseProjects } from '../../api/identity';
import { createUser, grantEnterpriseProject, listUsers, type User } from './api';

const KEY = ['users'] as const;

interface NewUser {
  name: string;
  password: string;
  description?: string;
  enterprise_project_ids?: string[];
}

/** The account's users (its first user only: the API answers 403 to anyone else, and that is shown). */
export default function Users() {
  const { t } = useTranslation('admin');
  const { message } = App.useApp();
  const session = useSession();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<NewUser>();
  const [creating, setCreating] = useState(false);
  const [granting, setGranting] = useState<User | null>(null);
  const [grantEp, setGrantEp] = useState<string | undefined>();
  const users = useQuery({ queryKey: KEY, queryFn: listUsers });
  const eps = useQuery({ queryKey: ['enterprise-projects', 'admin'], queryFn: () => listEnterpriseProjects(), enabled: creating || granting !== null });
  const epOptions = (eps.data?.enterprise_projects ?? []).filter((e) => e.id !== '0').map((e) => ({ value: e.id, label: e.name }));
  const create = useMutation({
    mutationFn: (v: NewUser) =>
      createUser({
        name: v.name.trim(),
        password: v.password,
        ...(v.description?.trim() ? { description: v.description.trim() } : {}),
        ...(v.enterprise_project_ids?.length ? { enterprise_project_ids: v.enterprise_project_ids } : {}),
      }),
    onSuccess: (r) => {
      void message.success(t('users.created', { name: r.user.name }));
      setCreating(false);
      form.resetFields();
      void queryClient.invalidateQueries({ queryKey: KEY });
    },
  });
  const grant = useMutation({
    mutationFn: ({ user, ep }: { user: User; ep: string }) => grantEnterpriseProject(ep, user.id),
    onSuccess: (_, { user, ep }) => {
      void message.success(t('users.granted', { user: user.name, ep: epOptions.find((o) => o.value === ep)?.label ?? ep }));
      setGranting(null);
      setGrantEp(undefined);
    },
  });
  const columns: ColumnsType<User> = [
    { title: t('users.col.name'), dataIndex: 'name' },
    { title: t('users.col.role'), dataIndex: 'is_account_admin', render: (v: boolean) => (v ? t('users.admin') : t('users.member')) },
    { title: t('users.col.description'), dataIndex: 'description', render: (v: string) => v || '-' },
    { title: t('users.col.enabled'), dataIndex: 'enabled', render: (v: boolean) => <StatusTag tone={v ? 'success' : 'default'}>{v ? t('common:common.yes') : t('common:common.no')}</StatusTag> },
    { title: t('users.col.created'), dataIndex: 'create_time', render: formatTime },
    {
      title: t('common:common.actions'),
      key: 'actions',
      render: (_, u) =>
        u.is_account_admin ? null : (
          <Button size="small" onClick={() => setGranting(u)} aria-label={`${t('users.grant')}: ${u.name}`}>
            {t('users.grant')}
          </Button>
        ),
    },
  ];
  if (users.error) return <QueryError error={users.error} retry={() => void users.refetch()} />;
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t('users.create')}
        </Button>
      </Space>
      <Table<User> rowKey="id" columns={columns} dataSource={users.data?.users} loading={users.isFetching && !users.data} locale={emptyText(t('users.empty'))} />
      <FormModal open={creating} title={t('users.create')} form={form} pending={create.isPending} error={create.error} onCancel={() => setCreating(false)} onSubmit={(v) => create.mutate(v)}>
        <Form.Item name="name" label={t('users.name')} extra={readable(t('users.nameHelp'))} rules={[{ required: true, pattern: /^[A-Za-z0-9_.-]{1,64}$/, message: t('users.nameHelp') }]}>
          <Input maxLength={64} autoComplete="off" />
        </Form.Item>
        <Form.Item name="password" label={t('users.password')} extra={readable(t('users.passwordHelp', { project: session?.project.name ?? '' }))} rules={[{ required: true, min: 8, message: t('users.passwordHelp', { project: session?.project.name ?? '' }) }]}>
          <Input.Password maxLength={256} autoComplete="new-password" />
        </Form.Item>
        <Form.Item name="description" label={t('users.description')}>
          <Input maxLength={255} />
        </Form.Item>
        <Form.Item name="enterprise_project_ids" label={t('users.eps')}>
          <Select mode="multiple" loading={eps.isLoading} options={epOptions} />
        </Form.Item>
      </FormModal>
      <Modal
        open={granting !== null}
        title={t('users.grantTo', { user: granting?.name ?? '' })}
        okText={t('users.grant')}
        cancelText={t('common:common.cancel')}
        okButtonProps={{ loading: grant.isPending, disabled: !grantEp }}
        onCancel={() => setGranting(null)}
        onOk={() => granting && grantEp && grant.mutate({ user: granting, ep: grantEp })}
        destroyOnHidden
      >
        {grant.error ? <Alert role="alert" type="error" showIcon title={(grant.error as Error).message} style={{ marginBottom: 16 }} /> : null}
        <Select aria-label={t('users.ep')} placeholder={t('users.ep')} style={{ width: '100%' }} value={grantEp} onChange={setGrantEp} options={epOptions} loading={eps.isLoading} />
      </Modal>
    </>
  );
}
