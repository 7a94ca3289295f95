import { useTranslation } from 'react-i18next';
import { VUL_TYPES } from '../../api/vulnerabilities';
import { FilterSelect } from '../../components/ListFilters';
import { SEVERITIES } from '../../components/Severity';
import './texts';

/**
 * The filters every HSS vulnerability list shares: type (linux_vul is the
 * default, so it leaves the URL), severity (under the list's own parameter
 * name) and handling.
 */
export function VulFilters({
  type,
  filters,
  severityKey,
  setFilters,
}: {
  type: string;
  filters: Record<string, string>;
  severityKey: 'repair_priority' | 'severity_level';
  setFilters: (changes: Record<string, string | undefined>) => void;
}) {
  const { t } = useTranslation('vulnerabilities');
  return (
    <>
      <FilterSelect
        label={t('type')}
        width={210}
        value={type}
        options={VUL_TYPES.map((v) => ({ value: v, label: t(`types.${v}`) }))}
        onChange={(v) => setFilters({ type: v === 'linux_vul' ? undefined : v })}
        clearable={false}
      />
      <FilterSelect
        label={t('severity')}
        width={140}
        value={filters[severityKey]}
        options={SEVERITIES.map((s) => ({ value: s, label: t(`common:severity.${s}`) }))}
        onChange={(v) => setFilters({ [severityKey]: v })}
      />
      <FilterSelect
        label={t('handleStatus')}
        width={140}
        value={filters.handle_status}
        options={(['unhandled', 'handled'] as const).map((s) => ({ value: s, label: t(`handle.${s}`) }))}
        onChange={(v) => setFilters({ handle_status: v })}
      />
    </>
  );
}
