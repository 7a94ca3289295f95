import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { Alert, Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { signInWithPassword } from '../api/identity';
import { useSession } from '../hooks/useSession';
import { isExpired } from '../auth/session';
import { LanguageSwitch } from '../layout/LanguageSwitch';

interface Fields {
  account: string;
  userName: string;
  password: string;
  project?: string;
}

export default function SignIn() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const session = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (session && !isExpired(session)) return <Navigate to={params.get('next') ?? '/overview'} replace />;
  const expired = params.get('expired') === '1';
  const signedOut = params.get('signed-out') === '1';

  async function submit(values: Fields) {
    setBusy(true);
    setError(null);
    try {
      await signInWithPassword(values);
      const next = params.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/overview', { replace: true });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Flex vertical align="center" justify="center" style={{ minHeight: '100vh', padding: 24 }}>
      <main style={{ width: 400, maxWidth: '100%' }}>
        <Flex justify="flex-end" style={{ marginBottom: 16 }}>
          <LanguageSwitch />
        </Flex>
        <Card>
          <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
            {t('signIn.title')}
          </Typography.Title>
          {expired && <Alert role="alert" type="warning" showIcon title={t('signIn.expired')} style={{ marginBottom: 16 }} />}
          {signedOut && !expired && <Alert type="info" showIcon title={t('signIn.signedOut')} style={{ marginBottom: 16 }} />}
          {error && <Alert role="alert" type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
          <Form<Fields> layout="vertical" requiredMark={false} onFinish={submit} initialValues={{ account: 'openhss' }}>
            <Form.Item label={t('signIn.account')} name="account" extra={t('signIn.accountHelp')} rules={[{ required: true, message: t('signIn.required') }]}>
              <Input autoComplete="organization" />
            </Form.Item>
            <Form.Item label={t('signIn.userName')} name="userName" rules={[{ required: true, message: t('signIn.required') }]}>
              <Input autoComplete="username" />
            </Form.Item>
            <Form.Item label={t('signIn.password')} name="password" rules={[{ required: true, message: t('signIn.required') }]}>
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Form.Item label={t('signIn.project')} name="project" extra={t('signIn.projectHelp')}>
              <Input />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              {t('signIn.submit')}
            </Button>
          </Form>
          <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
            {t('signIn.firstStart')}
          </Typography.Paragraph>
        </Card>
      </main>
    </Flex>
  );
}
