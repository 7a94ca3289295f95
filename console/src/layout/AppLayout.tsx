import { Suspense, useMemo } from 'react';
import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { Alert, Button, Flex, Layout, Menu, Select, Space, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useSession } from '../hooks/useSession';
import { clearSession, isExpired, lastSessionEnd } from '../auth/session';
import { EXPIRED_PATH } from '../api/client';
import { listEnterpriseProjects, listMyProjects, setEnterpriseProject, switchProject } from '../api/identity';
import { getVulnDbStatus, roughAge, VULNDB_KEY } from '../api/vulndb';
import { LanguageSwitch } from './LanguageSwitch';
import { NAV } from '../routes';
import { Loading } from '../components/Loading';

const { Header, Sider, Content } = Layout;

function VulnDbBanner() {
  const { t, i18n } = useTranslation();
  const { data } = useQuery({ queryKey: VULNDB_KEY, queryFn: getVulnDbStatus, staleTime: 60_000 });
  if (!data) return null;
  if (!data.usable) return <Alert role="alert" type="error" showIcon banner title={t('banner.unusable', { problem: data.problem ?? '' })} />;
  if (data.demo) return <Alert role="alert" type="warning" showIcon banner title={t('banner.demo')} />;
  if (data.stale) return <Alert role="alert" type="warning" showIcon banner title={t('banner.stale', { age: roughAge(data.age_seconds ?? 0, i18n.language) })} />;
  return null;
}

function ProjectSwitch() {
  const { t } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const projects = useQuery({ queryKey: ['my-projects', session?.user.id], queryFn: listMyProjects, staleTime: 300_000, retry: false });
  const eps = useQuery({ queryKey: ['enterprise-projects', session?.project.id], queryFn: () => listEnterpriseProjects(), staleTime: 300_000, retry: false });
  if (!session) return null;
  const projectOptions = projects.data?.projects.map((p) => ({ value: p.id, label: p.name })) ?? [{ value: session.project.id, label: session.project.name }];
  const epOptions = [
    { value: '0', label: t('header.epDefault') },
    { value: 'all_granted_eps', label: t('header.epAll') },
    ...(eps.data?.enterprise_projects ?? []).filter((e) => e.id !== '0').map((e) => ({ value: e.id, label: e.name })),
  ];
  return (
    <Space>
      <Select
        aria-label={t('header.project')}
        title={t('header.project')}
        prefix={`${t('header.project')}:`}
        style={{ minWidth: 180 }}
        value={session.project.id}
        options={projectOptions}
        onChange={async (id: string) => {
          await switchProject(id);
          // Every query refetches with the new token; reset, not clear, so the pages on screen ask again.
          await queryClient.resetQueries();
        }}
      />
      <Select
        aria-label={t('header.enterpriseProject')}
        title={t('header.enterpriseProject')}
        prefix={`${t('header.enterpriseProject')}:`}
        style={{ minWidth: 240 }}
        value={session.enterpriseProjectId}
        options={epOptions}
        onChange={(id: string) => {
          setEnterpriseProject(id);
          void queryClient.resetQueries();
        }}
      />
    </Space>
  );
}

export default function AppLayout() {
  const { t } = useTranslation();
  const session = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const selected = useMemo(() => NAV.find((n) => location.pathname === n.path || location.pathname.startsWith(`${n.path}/`))?.path ?? '/overview', [location.pathname]);
  if (!session) return <Navigate to={lastSessionEnd() === 'expired' ? EXPIRED_PATH : '/sign-in'} replace />;
  if (isExpired(session)) {
    clearSession('expired');
    return <Navigate to={EXPIRED_PATH} replace />;
  }
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Sider breakpoint="lg" collapsedWidth={0} width={220} theme="light">
        <Flex align="center" style={{ height: 64, paddingInline: 24 }}>
          <Link to="/overview">
            <Typography.Title level={4} style={{ margin: 0 }}>
              {t('product')}
            </Typography.Title>
          </Link>
        </Flex>
        <nav aria-label={t('header.menu')}>
          <Menu mode="inline" selectedKeys={[selected]} items={NAV.map((n) => ({ key: n.path, icon: n.icon, label: <Link to={n.path}>{t(n.label)}</Link> }))} />
        </nav>
      </Sider>
      <Layout>
        <Header style={{ background: 'transparent', paddingInline: 24 }}>
          <Flex justify="flex-end" align="center" gap={16} style={{ height: '100%' }} wrap>
            <ProjectSwitch />
            <LanguageSwitch />
            <Typography.Text>{t('header.signedInAs', { user: session.user.name })}</Typography.Text>
            <Button
              onClick={() => {
                clearSession();
                queryClient.clear();
                navigate('/sign-in?signed-out=1');
              }}
            >
              {t('header.signOut')}
            </Button>
          </Flex>
        </Header>
        <VulnDbBanner />
        <Content style={{ padding: 24 }}>
          <main>
            <Suspense fallback={<Loading />}>
              <Outlet />
            </Suspense>
          </main>
        </Content>
      </Layout>
    </Layout>
  );
}
