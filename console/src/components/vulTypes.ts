import { addTexts } from '../i18n';

/** HSS vulnerability types (scan tasks, scan policy), in the UI language: `t('vultypes:linux_vul')`. */
export const VUL_TYPES = ['linux_vul', 'windows_vul', 'web_cms', 'app_vul', 'urgent_vul'] as const;
export type VulType = (typeof VUL_TYPES)[number];

addTexts('vultypes', {
  en: { linux_vul: 'Linux vulnerabilities', windows_vul: 'Windows vulnerabilities', web_cms: 'Web-CMS vulnerabilities', app_vul: 'Application vulnerabilities', urgent_vul: 'Emergency vulnerabilities' },
  zh: { linux_vul: 'Linux 漏洞', windows_vul: 'Windows 漏洞', web_cms: 'Web-CMS 漏洞', app_vul: '应用漏洞', urgent_vul: '应急漏洞' },
});
