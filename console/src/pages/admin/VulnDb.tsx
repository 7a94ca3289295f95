import { Alert, App, Button, Card, Descriptions, Space, Table, Typography } from 'antd';
import { SyncOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { QueryError } from '../../components/QueryError';
import { StatusTag } from '../../components/StatusTag';
import { emptyText } from '../../components/EmptyText';
import { formatTime } from '../../components/format';
import { getVulnDbStatus, roughAge, VULNDB_KEY, type VulnDbStatus } from '../../api/vulndb';
import { updateVulnDb } from './api';

type Feed = VulnDbStatus['feeds'][number];
type Ecosystem = VulnDbStatus['ecosystems'][number];

/** The vulnerability DB's status (demo, stale, built, feeds, ecosystems, last error) and "update now". */
export default function VulnDb({ isAdmin }: { isAdmin: boolean }) {
  const { t, i18n } = useTranslation('admin');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: VULNDB_KEY, queryFn: getVulnDbStatus, refetchInterval: 10_000 });
  const update = useMutation({
    mutationFn: updateVulnDb,
    onSuccess: (r) => {
      void message.success(r.queued ? t('vulnDb.queued', { job: r.job_id }) : t('vulnDb.alreadyQueued'));
      void queryClient.invalidateQueries({ queryKey: VULNDB_KEY });
    },
  });
  const s = status.data;
  const age = roughAge(s?.age_seconds ?? 0, i18n.language);
  const state = !s ? null : !s.usable ? (
    <StatusTag tone="error">{t('vulnDb.unusable', { problem: s.problem ?? '' })}</StatusTag>
  ) : s.demo ? (
    <StatusTag tone="warning">{t('vulnDb.demo')}</StatusTag>
  ) : s.stale ? (
    <StatusTag tone="warning">{t('vulnDb.stale', { age })}</StatusTag>
  ) : (
    <StatusTag tone="success">{t('vulnDb.fresh', { age })}</StatusTag>
  );
  return (
    <>
      <QueryError error={status.error} retry={() => void status.refetch()} />
      {update.error ? <Alert role="alert" type="error" showIcon title={t('common:common.error', { message: (update.error as Error).message })} style={{ marginBottom: 16 }} /> : null}
      {update.data ? (
        <Alert role="status" type="success" showIcon title={update.data.queued ? t('vulnDb.queued', { job: update.data.job_id }) : t('vulnDb.alreadyQueued')} style={{ marginBottom: 16 }} />
      ) : null}
      <Space style={{ marginBottom: 16 }} wrap>
        <Button type="primary" icon={<SyncOutlined />} loading={update.isPending} onClick={() => update.mutate()}>
          {t('vulnDb.updateNow')}
        </Button>
        {!isAdmin ? <Typography.Text>{t('vulnDb.adminOnly')}</Typography.Text> : null}
      </Space>
      {s ? (
        <>
          <Card style={{ marginBottom: 16 }}>
            <Descriptions
              size="small"
              column={{ xs: 1, md: 2 }}
              items={[
                { key: 'state', label: t('vulnDb.status'), children: <span data-testid="vulndb-state">{state}</span> },
                { key: 'built', label: t('vulnDb.builtAt'), children: formatTime(s.built_at) },
                { key: 'interval', label: t('vulnDb.interval'), children: s.update_interval_hours > 0 ? t('vulnDb.every', { count: s.update_interval_hours }) : t('vulnDb.off') },
                { key: 'success', label: t('vulnDb.lastSuccess'), children: s.last_success_time ? formatTime(s.last_success_time) : t('common:common.never') },
                { key: 'attempt', label: t('vulnDb.lastAttempt'), children: <span data-testid="vulndb-last-attempt">{s.last_attempt_time ? formatTime(s.last_attempt_time) : t('common:common.never')}</span> },
                {
                  key: 'error',
                  label: t('vulnDb.lastError'),
                  children: s.last_error ? (
                    <Typography.Text type="danger" data-testid="vulndb-last-error">
                      {formatTime(s.last_error.time)}: {s.last_error.message}
                    </Typography.Text>
                  ) : (
                    t('common:common.none')
                  ),
                },
              ]}
            />
          </Card>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('vulnDb.feeds')}</h2>} style={{ marginBottom: 16 }}>
            <Table<Feed>
              size="small"
              rowKey="name"
              pagination={false}
              dataSource={s.feeds}
              locale={emptyText(t('vulnDb.noFeeds'))}
              columns={[
                { title: t('vulnDb.col.feed'), dataIndex: 'name' },
                { title: t('vulnDb.col.kind'), dataIndex: 'kind' },
                { title: t('vulnDb.col.records'), dataIndex: 'records', render: (n: number) => n.toLocaleString(i18n.language) },
                { title: t('vulnDb.col.imported'), dataIndex: 'imported_at', render: formatTime },
              ]}
            />
          </Card>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('vulnDb.ecosystems')}</h2>}>
            <Table<Ecosystem>
              size="small"
              rowKey="ecosystem"
              pagination={false}
              dataSource={s.ecosystems}
              locale={emptyText(t('vulnDb.noFeeds'))}
              columns={[
                { title: t('vulnDb.col.ecosystem'), dataIndex: 'ecosystem' },
                { title: t('vulnDb.col.entries'), dataIndex: 'entries', render: (n: number) => n.toLocaleString(i18n.language) },
                { title: t('vulnDb.col.packages'), dataIndex: 'packages', render: (n: number) => n.toLocaleString(i18n.language) },
                { title: t('vulnDb.col.advisories'), dataIndex: 'advisories', render: (n: number) => n.toLocaleString(i18n.language) },
              ]}
            />
          </Card>
        </>
      ) : null}
    </>
  );
}
