import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { common } from './common';

export type Lang = 'en' | 'zh';
export const LANGS: Array<{ value: Lang; label: string; html: string }> = [
  { value: 'en', label: 'English', html: 'en' },
  { value: 'zh', label: '简体中文', html: 'zh-CN' },
];

const PREF = 'openhss.lang';

/** The language: the one chosen in this browser before, else the browser's own. */
export function initialLang(): Lang {
  const chosen = localStorage.getItem(PREF);
  if (chosen === 'en' || chosen === 'zh') return chosen;
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const l of langs) {
    const lower = l.toLowerCase();
    if (lower.startsWith('zh')) return 'zh';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function applyHtmlLang(lang: string): void {
  document.documentElement.lang = LANGS.find((l) => l.value === lang)?.html ?? 'en';
}

void i18n.use(initReactI18next).init({
  resources: { en: { common: common.en }, zh: { common: common.zh } },
  lng: initialLang(),
  fallbackLng: 'en',
  defaultNS: 'common',
  interpolation: { escapeValue: false },
  returnNull: false,
});
applyHtmlLang(i18n.language);
i18n.on('languageChanged', applyHtmlLang);

export function setLang(lang: Lang): void {
  localStorage.setItem(PREF, lang);
  void i18n.changeLanguage(lang);
}

/**
 * Adds a page's texts under its own namespace. Each page module calls this
 * once at load, so a lazily loaded page brings its own texts.
 */
export function addTexts<T extends Record<string, unknown>>(ns: string, texts: { en: T; zh: T }): void {
  i18n.addResourceBundle('en', ns, texts.en, true, true);
  i18n.addResourceBundle('zh', ns, texts.zh, true, true);
}

export default i18n;
