import { lazy, Suspense, useEffect, useState } from 'react';
import { BrowserRouter, Link, Navigate, Route, Routes } from 'react-router';
import { App as AntApp, ConfigProvider, Result } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { pages } from './routes';
import { ApiError } from './api/client';
import { Loading } from './components/Loading';

// The shell and the sign-in page load lazily too, so the first download stays small.
const AppLayout = lazy(() => import('./layout/AppLayout'));
const SignIn = lazy(() => import('./pages/SignIn'));

/**
 * antd's default greys and status colours fall below WCAG AA contrast on white
 * (secondary text #8c8c8c is 3.4:1, success #52c41a 2.2:1, danger #ff4d4f 3.3:1);
 * these reach 4.5:1 on every page, modals included.
 */
const THEME = {
  token: {
    colorPrimary: '#1f5fbf',
    colorLink: '#1f5fbf',
    // antd derives hover/active tones from the primary; its own are too light for text on white (4.2:1).
    colorPrimaryHover: '#174a94',
    colorPrimaryActive: '#123a75',
    colorLinkHover: '#174a94',
    colorLinkActive: '#123a75',
    colorInfo: '#1f5fbf',
    colorTextDescription: '#595959',
    colorTextTertiary: '#595959',
    colorTextQuaternary: '#595959',
    colorTextPlaceholder: '#6e6e6e',
    colorSuccess: '#237804',
    colorError: '#cf1322',
    colorWarning: '#ad4e00',
  },
};

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
    },
  },
});

function NotFound() {
  const { t } = useTranslation();
  return <Result status="404" title="404" subTitle={t('common.notFound')} extra={<Link to="/overview">{t('common.backHome')}</Link>} />;
}

export function App() {
  const { i18n } = useTranslation();
  const [lang, setLang] = useState(i18n.language);
  useEffect(() => {
    const on = (l: string) => setLang(l);
    i18n.on('languageChanged', on);
    return () => i18n.off('languageChanged', on);
  }, [i18n]);
  return (
    // The router encloses antd's App: messages and notifications render in its holder, and a <Link> in one needs the router.
    <BrowserRouter>
      <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={THEME}>
        <AntApp>
          <QueryClientProvider client={queryClient}>
            <Suspense fallback={<Loading />}>
              <Routes>
                <Route path="/sign-in" element={<SignIn />} />
                <Route element={<AppLayout />}>
                  <Route index element={<Navigate to="/overview" replace />} />
                  <Route path="/overview" element={<pages.overview />} />
                  <Route path="/vulnerabilities" element={<pages.vulnerabilities />} />
                  <Route path="/hosts" element={<pages.hosts />} />
                  <Route path="/hosts/:hostId" element={<pages.hostDetail />} />
                  <Route path="/scan-tasks" element={<pages.scanTasks />} />
                  <Route path="/policy" element={<pages.policy />} />
                  <Route path="/images/*" element={<pages.images />} />
                  <Route path="/exports" element={<pages.exports />} />
                  <Route path="/jobs/*" element={<pages.jobs />} />
                  <Route path="/admin/*" element={<pages.admin />} />
                  <Route path="*" element={<NotFound />} />
                </Route>
              </Routes>
            </Suspense>
          </QueryClientProvider>
        </AntApp>
      </ConfigProvider>
    </BrowserRouter>
  );
}
