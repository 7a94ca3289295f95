import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = { critical: '#a8071a', high: '#d4380d', medium: '#a36200', low: '#1f5fbf', none: '#595959' };

/** A severity word (HSS: Critical/High/Medium/Low, any case) as a coloured tag, in the UI language. */
export function SeverityTag({ value }: { value: string | null | undefined }) {
  const { t } = useTranslation();
  const key = (value ?? 'none').toLowerCase();
  return <Tag variant="solid" color={COLORS[key] ?? COLORS.none}>{t(`severity.${key}`, { defaultValue: value ?? '-' })}</Tag>;
}

export const SEVERITIES = ['Critical', 'High', 'Medium', 'Low'] as const;
export const severityColor = (s: string) => COLORS[s.toLowerCase()] ?? COLORS.none!;
