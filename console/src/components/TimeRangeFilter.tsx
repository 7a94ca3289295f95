import { useRef } from 'react';
import { Input, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { addTexts } from '../i18n';

addTexts('timerange', { en: { from: '{{label}} from', to: '{{label}} to' }, zh: { from: '{{label}}起', to: '{{label}}止' } });

const pad = (n: number) => String(n).padStart(2, '0');
/** Epoch ms as the browser's local day, YYYY-MM-DD (what a date input holds). */
const dayOf = (ms: string | undefined) => {
  if (!ms) return '';
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? '' : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};
/** The first or last millisecond of a local day. */
const edgeOf = (day: string, end: boolean): number | undefined => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return end ? d.getTime() + 86_400_000 - 1 : d.getTime();
};

/**
 * A from–to day filter whose ends are epoch-ms strings (as the URL holds them
 * and HSS routes take them); the end day counts to its last millisecond.
 * Native date inputs: accessible, and no date-picker library in the bundle.
 */
export function TimeRangeFilter({ from, to, onChange, label }: { from?: string | undefined; to?: string | undefined; onChange(from?: number, to?: number): void; label: string }) {
  const { t } = useTranslation('timerange');
  // The latest ends, including a change not yet back through the URL: editing "to" right after "from"
  // must not send the old "from" (the props update only when the URL has).
  const latest = useRef<{ from?: number | undefined; to?: number | undefined }>({});
  latest.current = { from: from ? Number(from) : undefined, to: to ? Number(to) : undefined };
  const change = (end: 'from' | 'to', day: string) => {
    latest.current = { ...latest.current, [end]: edgeOf(day, end === 'to') };
    onChange(latest.current.from, latest.current.to);
  };
  return (
    <Space size={6}>
      <Typography.Text>{label}</Typography.Text>
      <Space.Compact>
        <Input
          type="date"
          aria-label={t('from', { label })}
          title={t('from', { label })}
          value={dayOf(from)}
          onChange={(e) => change('from', e.target.value)}
          style={{ width: 170 }}
        />
        <Input
          type="date"
          aria-label={t('to', { label })}
          title={t('to', { label })}
          value={dayOf(to)}
          onChange={(e) => change('to', e.target.value)}
          style={{ width: 170 }}
        />
      </Space.Compact>
    </Space>
  );
}
