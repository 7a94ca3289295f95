import { Spin } from 'antd';
import { useTranslation } from 'react-i18next';

/**
 * A loading spinner screen readers announce: antd's Spin renders a plain
 * div, on which an aria-label is not allowed (axe: aria-prohibited-attr), so
 * the label sits on a status region around it.
 */
export function Loading() {
  const { t } = useTranslation();
  return (
    <div role="status" aria-label={t('common:common.loading')}>
      <Spin />
    </div>
  );
}
