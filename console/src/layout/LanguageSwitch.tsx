import { Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { LANGS, setLang, type Lang } from '../i18n';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <Select
      aria-label={t('header.language')}
      title={t('header.language')}
      style={{ width: 120 }}
      value={i18n.language as Lang}
      options={LANGS.map((l) => ({ value: l.value, label: l.label }))}
      onChange={(v: Lang) => setLang(v)}
    />
  );
}
