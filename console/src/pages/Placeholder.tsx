import { Result } from 'antd';
import { useTranslation } from 'react-i18next';

/** Stands in for a page being built; every page replaces it. */
export function Placeholder({ title }: { title: string }) {
  const { t } = useTranslation();
  return <Result status="info" title={<h1 style={{ fontSize: 24 }}>{t(title)}</h1>} />;
}
