import { Space, Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { HostFacts } from '../../api/hosts';
import { severityColor } from '../../components/Severity';
import './texts';

export function AgentStatusTag({ status }: { status: string }) {
  const { t } = useTranslation('hosts');
  return <Tag variant="solid" color={status === 'online' ? '#237804' : '#595959'}>{t(`agentStatuses.${status}`, { defaultValue: status })}</Tag>;
}

const LEVELS = ['critical', 'high', 'medium', 'low'] as const;

/** A host's open vulnerabilities as four coloured counts, critical to low, with the words in a tooltip and for screen readers. */
export function SeverityCounts({ facts }: { facts: Pick<HostFacts, 'critical_num' | 'high_num' | 'medium_num' | 'low_num'> }) {
  const { t } = useTranslation('hosts');
  const n = { critical: facts.critical_num, high: facts.high_num, medium: facts.medium_num, low: facts.low_num };
  const words = t('counts', n);
  return (
    <Tooltip title={words}>
      <Space size={4} aria-label={words} role="img" data-testid="severity-counts">
        {LEVELS.map((l) => (
          <Tag key={l} variant={n[l] > 0 ? 'solid' : 'outlined'} color={n[l] > 0 ? severityColor(l) : undefined} style={{ minWidth: 32, textAlign: 'center', marginInlineEnd: 0 }}>
            {n[l]}
          </Tag>
        ))}
      </Space>
    </Tooltip>
  );
}
