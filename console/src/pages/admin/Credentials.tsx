import { useState } from 'react';
import { Alert, App, Button, Descriptions, Form, Input, Modal, Popconfirm, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { CopyOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { FormModal } from './FormModal';
import { QueryError } from '../../components/QueryError';
import { StatusTag } from '../../components/StatusTag';
import { emptyText } from '../../components/EmptyText';
import { readable } from '../../components/Readable';
import { formatTime } from '../../components/format';
import { useSession } from '../../hooks/useSession';
import { createCredential, deleteCredential, listCredentials, setCredentialStatus, type Credential } from './api';

const KEY = ['credentials'] as const;

function CopyButton({ text, label }: { text: string; label: string }) {
  const { t } = useTranslation('admin');
  const { message } = App.useApp();
  return (
    <Button
      icon={<CopyOutlined />}
      aria-label={label}
      onClick={() =>
        void navigator.clipboard.writeText(text).then(
          () => message.success(t('credentials.copied')),
          () => message.error(t('credentials.copyFailed')),
        )
      }
    >
      {t('credentials.copy')}
    </Button>
  );
}

/** The secret key, shown once, with copy buttons and the warning. */
function SecretModal({ created, onClose }: { created: { access: string; secret: string } | null; onClose: () => void }) {
  const { t } = useTranslation('admin');
  return (
    <Modal
      open={created !== null}
      title={t('credentials.createdTitle')}
      closable={false}
      maskClosable={false}
      keyboard={false}
      destroyOnHidden
      footer={
        <Button type="primary" onClick={onClose}>
          {t('credentials.saved')}
        </Button>
      }
      width={640}
    >
      <Alert role="alert" type="warning" showIcon title={t('credentials.onceWarning')} style={{ marginBottom: 16 }} />
      {created ? (
        <Descriptions
          column={1}
          bordered
          size="small"
          items={(
            [
              ['ak', created.access, t('credentials.ak'), t('credentials.copyAk')],
              ['sk', created.secret, t('credentials.sk'), t('credentials.copySk')],
            ] as const
          ).map(([key, text, label, copy]) => ({
            key,
            label,
            children: (
              <Space wrap>
                <Typography.Text code data-testid={`new-${key}`}>
                  {text}
                </Typography.Text>
                <CopyButton text={text} label={copy} />
              </Space>
            ),
          }))}
        />
      ) : null}
    </Modal>
  );
}

/** The signed-in user's own AK/SK credentials: list, create (SK once), enable/disable, delete. */
export default function Credentials() {
  const { t } = useTranslation('admin');
  const { message } = App.useApp();
  const session = useSession();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ description?: string }>();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ access: string; secret: string } | null>(null);
  const list = useQuery({ queryKey: [...KEY, session?.user.id], queryFn: listCredentials });
  const onError = (err: unknown) => void message.error(t('common:common.error', { message: (err as Error).message }));
  const create = useMutation({
    mutationFn: (description: string) => createCredential(session!.user.id, description),
    onSuccess: (r) => {
      setCreating(false);
      form.resetFields();
      setCreated({ access: r.credential.access, secret: r.credential.secret });
      void queryClient.invalidateQueries({ queryKey: KEY });
    },
  });
  const toggle = useMutation({
    mutationFn: (c: Credential) => setCredentialStatus(c.access, c.status === 'active' ? 'inactive' : 'active'),
    onSuccess: (r) => {
      void message.success(t(r.credential.status === 'active' ? 'credentials.enabled' : 'credentials.disabled', { ak: r.credential.access }));
      void queryClient.invalidateQueries({ queryKey: KEY });
    },
    onError,
  });
  const remove = useMutation({
    mutationFn: (c: Credential) => deleteCredential(c.access),
    onSuccess: (_, c) => {
      void message.success(t('credentials.deleted', { ak: c.access }));
      void queryClient.invalidateQueries({ queryKey: KEY });
    },
    onError,
  });
  const columns: ColumnsType<Credential> = [
    { title: t('credentials.ak'), dataIndex: 'access', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
    { title: t('credentials.description'), dataIndex: 'description', render: (v: string) => v || '-' },
    { title: t('credentials.status'), dataIndex: 'status', render: (v: string) => <StatusTag tone={v === 'active' ? 'success' : 'default'}>{t(`credentials.${v}`)}</StatusTag> },
    { title: t('credentials.project'), dataIndex: 'project_id', render: (v: string) => (v === session?.project.id ? session.project.name : v) },
    { title: t('credentials.created'), dataIndex: 'create_time', render: formatTime },
    { title: t('credentials.lastUsed'), dataIndex: 'last_use_time', render: (v: string | null) => (v ? formatTime(v) : t('common:common.never')) },
    {
      title: t('common:common.actions'),
      key: 'actions',
      render: (_, c) => (
        <Space>
          <Button size="small" loading={toggle.isPending && toggle.variables?.access === c.access} onClick={() => toggle.mutate(c)} aria-label={`${t(c.status === 'active' ? 'credentials.disable' : 'credentials.enable')} ${c.access}`}>
            {t(c.status === 'active' ? 'credentials.disable' : 'credentials.enable')}
          </Button>
          <Popconfirm title={t('credentials.deleteConfirm', { ak: c.access })} okText={t('common:common.confirm')} cancelText={t('common:common.cancel')} onConfirm={() => remove.mutate(c)}>
            <Button danger size="small" aria-label={`${t('credentials.delete')} ${c.access}`}>
              {t('credentials.delete')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];
  return (
    <>
      <Typography.Paragraph>{t('credentials.intro', { project: session?.project.name ?? '' })}</Typography.Paragraph>
      <Space style={{ marginBottom: 16 }}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t('credentials.create')}
        </Button>
      </Space>
      <QueryError error={list.error} retry={() => void list.refetch()} />
      <Table<Credential> rowKey="access" columns={columns} dataSource={list.data?.credentials} loading={list.isFetching && !list.data} locale={emptyText(t('credentials.empty'))} />
      <FormModal open={creating} title={t('credentials.create')} form={form} pending={create.isPending} error={create.error} onCancel={() => setCreating(false)} onSubmit={(v) => create.mutate(v.description?.trim() ?? '')}>
        <Form.Item name="description" label={t('credentials.description')} extra={readable(t('credentials.descriptionHelp'))}>
          <Input maxLength={255} />
        </Form.Item>
      </FormModal>
      <SecretModal
        created={created}
        onClose={() => {
          // The SK lives nowhere once the dialog is closed.
          setCreated(null);
          create.reset();
        }}
      />
    </>
  );
}
