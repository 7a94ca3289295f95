import { Tabs } from 'antd';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import './texts';
import { PageTitle } from '../../components/PageTitle';
import { ImageList } from './ImageList';
import { ImageTasks } from './ImageTasks';
import { ImageVulns } from './ImageVulns';
import { Registries } from './Registries';

const TABS = ['registry', 'local', 'cicd', 'registries', 'tasks'] as const;
type Tab = (typeof TABS)[number];

function tabContent(tab: Tab) {
  if (tab === 'registries') return <Registries />;
  if (tab === 'tasks') return <ImageTasks />;
  return <ImageList key={tab} source={tab} />;
}

/** /images/{registry,local,cicd,registries,tasks}, and /images/:id for one image's vulnerabilities. */
export default function ImagesPage() {
  const { t } = useTranslation('images');
  const navigate = useNavigate();
  const sub = useLocation().pathname.replace(/^\/images\/?/, '').split('/')[0] ?? '';
  if (sub === '') return <Navigate to="/images/registry" replace />;
  if (!(TABS as readonly string[]).includes(sub)) return <ImageVulns imageId={decodeURIComponent(sub)} />;
  const tab = sub as Tab;
  return (
    <>
      <PageTitle>{t('title')}</PageTitle>
      <Tabs
        activeKey={tab}
        onChange={(key) => void navigate(`/images/${key}`)}
        destroyOnHidden
        items={TABS.map((key) => ({ key, label: t(`tabs.${key}`), children: key === tab ? tabContent(key) : null }))}
      />
    </>
  );
}
