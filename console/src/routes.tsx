import { lazy, type ReactNode } from 'react';
import { AlertOutlined, AppstoreOutlined, CloudServerOutlined, DashboardOutlined, DeploymentUnitOutlined, DownloadOutlined, ScheduleOutlined, SettingOutlined, UnorderedListOutlined } from '@ant-design/icons';

/** The menu: path, i18n key (common namespace) and icon. Every page is loaded lazily. */
export const NAV: Array<{ path: string; label: string; icon: ReactNode }> = [
  { path: '/overview', label: 'nav.overview', icon: <DashboardOutlined /> },
  { path: '/vulnerabilities', label: 'nav.vulnerabilities', icon: <AlertOutlined /> },
  { path: '/hosts', label: 'nav.hosts', icon: <CloudServerOutlined /> },
  { path: '/scan-tasks', label: 'nav.scanTasks', icon: <UnorderedListOutlined /> },
  { path: '/policy', label: 'nav.policy', icon: <ScheduleOutlined /> },
  { path: '/images', label: 'nav.images', icon: <AppstoreOutlined /> },
  { path: '/exports', label: 'nav.exports', icon: <DownloadOutlined /> },
  { path: '/jobs', label: 'nav.jobs', icon: <DeploymentUnitOutlined /> },
  { path: '/admin', label: 'nav.admin', icon: <SettingOutlined /> },
];

export const pages = {
  overview: lazy(() => import('./pages/overview')),
  vulnerabilities: lazy(() => import('./pages/vulnerabilities')),
  hosts: lazy(() => import('./pages/hosts')),
  hostDetail: lazy(() => import('./pages/hosts/HostDetail')),
  scanTasks: lazy(() => import('./pages/scan-tasks')),
  policy: lazy(() => import('./pages/policy')),
  images: lazy(() => import('./pages/images')),
  exports: lazy(() => import('./pages/exports')),
  jobs: lazy(() => import('./pages/jobs')),
  admin: lazy(() => import('./pages/admin')),
};
