import { lazy } from 'react';
import { Route, Routes, useNavigate } from 'react-router';
import { Tabs } from 'antd';
import { useTranslation } from 'react-i18next';
import './texts';
import { PageTitle } from '../../components/PageTitle';
import { JobList } from './JobList';

const JobDetail = lazy(() => import('./JobDetail'));
const Clusters = lazy(() => import('./Clusters'));
const Schedules = lazy(() => import('./Schedules'));

type Tab = 'jobs' | 'clusters' | 'schedules';

/** The jobs area: the jobs list, registered clusters and schedules as tabs (each its own URL), a job at /jobs/:taskId. */
function JobsHome({ tab }: { tab: Tab }) {
  const { t } = useTranslation('jobs');
  const navigate = useNavigate();
  const content = { jobs: <JobList />, clusters: <Clusters />, schedules: <Schedules /> }[tab];
  return (
    <>
      <PageTitle>{t('title')}</PageTitle>
      <Tabs
        activeKey={tab}
        onChange={(key) => navigate(key === 'jobs' ? '/jobs' : `/jobs/${key}`)}
        items={(['jobs', 'clusters', 'schedules'] as const).map((key) => ({ key, label: t(`tabs.${key}`), children: key === tab ? content : null }))}
      />
    </>
  );
}

export default function JobsPage() {
  return (
    <Routes>
      <Route index element={<JobsHome tab="jobs" />} />
      <Route path="clusters" element={<JobsHome tab="clusters" />} />
      <Route path="schedules" element={<JobsHome tab="schedules" />} />
      <Route path=":taskId" element={<JobDetail />} />
    </Routes>
  );
}
