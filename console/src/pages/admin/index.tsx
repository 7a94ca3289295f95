import { lazy } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { Alert, Tabs } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import './texts';
import { PageTitle } from '../../components/PageTitle';
import { QueryError } from '../../components/QueryError';
import { useSession } from '../../hooks/useSession';
import { whoami, WHOAMI_KEY } from './api';
import { Loading } from '../../components/Loading';

const Credentials = lazy(() => import('./Credentials'));
const Users = lazy(() => import('./Users'));
const EnterpriseProjects = lazy(() => import('./EnterpriseProjects'));
const VulnDb = lazy(() => import('./VulnDb'));

const TABS = ['credentials', 'users', 'enterprise-projects', 'vulnerability-db'] as const;
type Tab = (typeof TABS)[number];
const LABEL: Record<Tab, string> = { credentials: 'tabs.credentials', users: 'tabs.users', 'enterprise-projects': 'tabs.enterpriseProjects', 'vulnerability-db': 'tabs.vulnDb' };

/**
 * Administration, a tab per URL: the signed-in user's own access keys, users
 * and enterprise projects (offered to the account's first user only; the API
 * refuses everyone else, and a direct link shows its refusal), and the
 * vulnerability DB with "update now".
 */
export default function AdminPage() {
  const { t } = useTranslation('admin');
  const session = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const me = useQuery({ queryKey: [...WHOAMI_KEY, session?.user.id, session?.project.id], queryFn: whoami, staleTime: 60_000 });
  const sub = location.pathname.replace(/^\/admin\/?/, '').split('/')[0] ?? '';
  const tab: Tab = (TABS as readonly string[]).includes(sub) ? (sub as Tab) : 'credentials';
  const admin = me.data?.is_account_admin === true;
  const offered = TABS.filter((k) => admin || k === 'credentials' || k === 'vulnerability-db' || k === tab);
  const content: Record<Tab, React.ReactNode> = {
    credentials: <Credentials />,
    users: <Users />,
    'enterprise-projects': <EnterpriseProjects />,
    'vulnerability-db': <VulnDb isAdmin={admin} />,
  };
  return (
    <>
      <PageTitle>{t('title')}</PageTitle>
      <QueryError error={me.error} retry={() => void me.refetch()} />
      {me.data && !admin ? <Alert type="info" showIcon title={t('adminOnly')} style={{ marginBottom: 16 }} /> : null}
      {me.isLoading ? (
        <Loading />
      ) : (
        <Tabs
          activeKey={tab}
          onChange={(key) => navigate(key === 'credentials' ? '/admin' : `/admin/${key}`)}
          items={offered.map((key) => ({ key, label: t(LABEL[key]), children: key === tab ? content[key] : null }))}
        />
      )}
    </>
  );
}
