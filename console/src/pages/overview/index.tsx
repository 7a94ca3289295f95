import { lazy, Suspense, useMemo, type ReactNode } from 'react';
import { Link } from 'react-router';
import { Alert, Button, Card, Col, Descriptions, Empty, Flex, Row, Statistic, Table, Tag, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { getOverview, type Overview, type ScanSummary } from '../../api/overview';
import { roughAge } from '../../api/vulndb';
import { PageTitle } from '../../components/PageTitle';
import { QueryError } from '../../components/QueryError';
import { SeverityTag, SEVERITIES, severityColor } from '../../components/Severity';
import { formatTime } from '../../components/format';
import { SeverityCounts } from '../hosts/widgets';
import type { TrendSeries } from './TrendChart';
import './texts';
import { Loading } from '../../components/Loading';

// ECharts loads with the chart, after the figures.
const TrendChart = lazy(() => import('./TrendChart'));

const LEVELS = ['critical', 'high', 'medium', 'low'] as const;

/** The open host findings of one severity, as the vulnerability list filtered to them. */
const hostListUrl = (severity: string) => `/vulnerabilities?${new URLSearchParams({ repair_priority: severity, handle_status: 'unhandled' }).toString()}`;

function SeverityFigures({ counts, link, id, what }: { counts: Record<`${(typeof LEVELS)[number]}_num`, number>; link?: (severity: string) => string; id: string; what: string }) {
  const { t } = useTranslation('overview');
  return (
    <Flex gap={16} wrap>
      {SEVERITIES.map((s) => {
        const key = `${s.toLowerCase()}_num` as `${(typeof LEVELS)[number]}_num`;
        const value = (
          <Statistic
            title={t(`common:severity.${s}`)}
            value={counts[key]}
            styles={{ title: { color: '#262626' }, content: { color: counts[key] > 0 ? severityColor(s) : '#262626', fontSize: 22 } }}
          />
        );
        return link ? (
          <Link key={s} to={link(s)} title={t('severityLink', { count: counts[key], severity: t(`common:severity.${s}`), what })} data-testid={`${id}-${s}`}>
            {value}
          </Link>
        ) : (
          <div key={s} data-testid={`${id}-${s}`}>
            {value}
          </div>
        );
      })}
    </Flex>
  );
}

function AssetCard({ title, to, summary, children, extra }: { title: string; to: string; summary: string; children: ReactNode; extra?: ReactNode }) {
  return (
    <Card
      title={
        <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
          <Link to={to}>{title}</Link>
        </Typography.Title>
      }
      style={{ height: '100%' }}
    >
      <Typography.Paragraph>{summary}</Typography.Paragraph>
      {children}
      {extra && <div style={{ marginTop: 12 }}>{extra}</div>}
    </Card>
  );
}

function Delta({ value }: { value: number | null }) {
  if (value === null) return <>-</>;
  const color = value > 0 ? '#a8071a' : value < 0 ? '#237804' : '#262626';
  return <span style={{ color }}>{value > 0 ? `+${value}` : value}</span>;
}

function ScanLine({ scan }: { scan: ScanSummary | null }) {
  const { t } = useTranslation('overview');
  if (!scan) return <>{t('noScan')}</>;
  return (
    <Flex vertical>
      <Link to={`/scan-tasks?task_id=${encodeURIComponent(scan.task_id)}`}>{formatTime(scan.start_time)}</Link>
      <Typography.Text>
        {t('scanLine', { status: t(`scanStatus.${scan.status}`, { defaultValue: scan.status }), success: scan.success_host_num, hosts: scan.host_num, failed: scan.failed_host_num })}
      </Typography.Text>
    </Flex>
  );
}

function Trend({ data }: { data: Overview }) {
  const { t } = useTranslation('overview');
  const points = data.trend;
  const series = useMemo<TrendSeries[]>(
    () => [
      ...LEVELS.map((l) => ({ name: t(`common:severity.${l}`), key: l, values: points.map((p) => p.hosts[`${l}_num`] + p.images[`${l}_num`]) })),
      { name: t('trendTotal'), key: 'total' as const, values: points.map((p) => p.open_num) },
    ],
    [points, t],
  );
  const dates = useMemo(() => points.map((p) => p.date), [points]);
  if (points.length === 0) return <Empty description={t('trendEmpty')} />;
  const label = t('trendSummary', { first: points[0]!.date, last: points.at(-1)!.date, from: points[0]!.open_num, to: points.at(-1)!.open_num });
  return (
    <Suspense fallback={<Loading />}>
      <TrendChart dates={dates} series={series} label={label} />
    </Suspense>
  );
}

export default function OverviewPage() {
  const { t, i18n } = useTranslation('overview');
  const q = useQuery({ queryKey: ['overview'], queryFn: getOverview, refetchInterval: 60_000 });
  const d = q.data;
  const sectionTitle = (text: string, id: string) => (
    <Typography.Title level={2} id={id} style={{ fontSize: 16, margin: 0 }}>
      {text}
    </Typography.Title>
  );

  return (
    <>
      <PageTitle
        extra={
          <Flex gap={12} align="center">
            {d && <Typography.Text>{t('generated', { time: formatTime(d.generated_at) })}</Typography.Text>}
            <Button icon={<ReloadOutlined />} onClick={() => void q.refetch()} loading={q.isFetching}>
              {t('common:common.refresh')}
            </Button>
          </Flex>
        }
      >
        {t('title')}
      </PageTitle>
      <QueryError error={q.error} retry={() => void q.refetch()} />
      {q.isLoading && <Loading />}
      {d && (
        <Flex vertical gap={16}>
          <Row gutter={[16, 16]}>
            <Col xs={24} lg={10}>
              <AssetCard
                title={t('hosts')}
                to="/hosts"
                summary={t('assets', { total: d.hosts.total_num, vulnerable: d.hosts.vulnerable_num })}
                extra={
                  <Flex gap={16} wrap>
                    <Link to="/vulnerabilities?handle_status=handled">{t('handled', { count: d.hosts.handled_num })}</Link>
                    <Link to="/vulnerabilities?type=urgent_vul&handle_status=unhandled">{t('kevFindings', { count: d.hosts.kev_num })}</Link>
                  </Flex>
                }
              >
                <SeverityFigures counts={d.hosts} link={hostListUrl} id="hosts" what={t('hosts')} />
              </AssetCard>
            </Col>
            <Col xs={24} md={12} lg={7}>
              <AssetCard title={t('images')} to="/images" summary={t('assets', { total: d.images.total_num, vulnerable: d.images.vulnerable_num })} extra={t('handled', { count: d.images.handled_num })}>
                <SeverityFigures counts={{ ...d.images, low_num: d.images.low_num + d.images.unknown_num }} id="images" what={t('images')} />
              </AssetCard>
            </Col>
            <Col xs={24} md={12} lg={7}>
              <AssetCard title={t('clusters')} to="/jobs/clusters" summary={t('clusterAssets', { total: d.clusters.total_num, scanned: d.clusters.scanned_num })}>
                <SeverityFigures counts={d.clusters} id="clusters" what={t('clusters')} />
              </AssetCard>
            </Col>
          </Row>

          <Card title={sectionTitle(t('kev'), 'ov-kev')} extra={<Link to="/vulnerabilities?type=urgent_vul">{t('showAll')}</Link>}>
            <Typography.Paragraph>
              {t('kevIntro')} {t('kevCount', { vuls: d.kev.vul_num, findings: d.kev.host_finding_num })}
            </Typography.Paragraph>
            <Table
              size="small"
              rowKey="vul_id"
              pagination={false}
              dataSource={d.kev.list}
              locale={{ emptyText: <Empty description={t('kevNone')} /> }}
              data-testid="overview-kev"
              columns={[
                {
                  title: t('col.vulnerability'),
                  key: 'vul',
                  render: (_, v) => (
                    <Flex vertical>
                      <Link to={`/vulnerabilities?type=urgent_vul&vul=${encodeURIComponent(v.vul_id)}`}>{v.title}</Link>
                      {v.title !== v.vul_id && <Typography.Text>{v.vul_id}</Typography.Text>}
                    </Flex>
                  ),
                },
                { title: t('col.severity'), dataIndex: 'severity', render: (s: string) => <SeverityTag value={s} /> },
                { title: t('col.cvss'), dataIndex: 'cvss_score', render: (s: number | null) => (s ? s.toFixed(1) : '-') },
                { title: t('col.hosts'), dataIndex: 'host_num', align: 'right' },
                { title: t('col.images'), dataIndex: 'image_num', align: 'right' },
              ]}
            />
          </Card>

          <Row gutter={[16, 16]}>
            <Col xs={24} lg={16}>
              <Card title={sectionTitle(t('trend'), 'ov-trend')} style={{ height: '100%' }}>
                <Trend data={d} />
              </Card>
            </Col>
            <Col xs={24} lg={8}>
              <Card title={sectionTitle(t('changed'), 'ov-changed')} style={{ height: '100%' }}>
                {d.changed_since_yesterday.compared_with === null ? (
                  <Typography.Paragraph>{t('changedNone')}</Typography.Paragraph>
                ) : (
                  <Typography.Paragraph>{t('comparedWith', { date: d.changed_since_yesterday.compared_with })}</Typography.Paragraph>
                )}
                <Descriptions
                  size="small"
                  column={1}
                  items={[
                    { key: 'new', label: t('newFindings'), children: <Delta value={d.changed_since_yesterday.host_new_num} /> },
                    { key: 'fixed', label: t('fixedFindings'), children: d.changed_since_yesterday.host_fixed_num },
                    { key: 'host', label: t('hostDelta'), children: <Delta value={d.changed_since_yesterday.host_open_delta} /> },
                    { key: 'image', label: t('imageDelta'), children: <Delta value={d.changed_since_yesterday.image_open_delta} /> },
                  ]}
                />
              </Card>
            </Col>
          </Row>

          <Row gutter={[16, 16]}>
            <Col xs={24} xl={12}>
              <Card title={sectionTitle(t('topHosts'), 'ov-hosts')} extra={<Link to="/hosts">{t('showAll')}</Link>} style={{ height: '100%' }}>
                <Table
                  size="small"
                  rowKey="host_id"
                  pagination={false}
                  dataSource={d.top_hosts}
                  locale={{ emptyText: <Empty description={t('noTop')} /> }}
                  data-testid="overview-top-hosts"
                  columns={[
                    { title: t('col.host'), dataIndex: 'host_name', render: (n: string, h) => <Link to={`/hosts/${encodeURIComponent(h.host_id)}`}>{n}</Link> },
                    { title: t('col.open'), key: 'open', render: (_, h) => <SeverityCounts facts={h} /> },
                    { title: t('col.kev'), dataIndex: 'kev_num', align: 'right' },
                    { title: t('col.lastScan'), dataIndex: 'last_scan_time', render: (v: number | null) => formatTime(v) },
                  ]}
                />
              </Card>
            </Col>
            <Col xs={24} xl={12}>
              <Card title={sectionTitle(t('topImages'), 'ov-images')} extra={<Link to="/images">{t('showAll')}</Link>} style={{ height: '100%' }}>
                <Table
                  size="small"
                  rowKey={(i) => `${i.image_type}:${i.id}`}
                  pagination={false}
                  dataSource={d.top_images}
                  locale={{ emptyText: <Empty description={t('noTop')} /> }}
                  data-testid="overview-top-images"
                  columns={[
                    {
                      title: t('col.image'),
                      key: 'image',
                      render: (_, i) => {
                        const name = `${i.namespace ? `${i.namespace}/` : ''}${i.image_name}:${i.image_version}`;
                        return <Link to={`/images/${encodeURIComponent(i.id)}?${new URLSearchParams({ source: i.image_type, name }).toString()}`}>{name}</Link>;
                      },
                    },
                    { title: t('col.source'), dataIndex: 'image_type', render: (s: string) => <Tag>{t(`sources.${s}`, { defaultValue: s })}</Tag> },
                    { title: t('col.open'), key: 'open', render: (_, i) => <SeverityCounts facts={{ ...i, low_num: i.low_num + i.unknown_num }} /> },
                    { title: t('col.kev'), dataIndex: 'kev_num', align: 'right' },
                  ]}
                />
              </Card>
            </Col>
          </Row>

          <Row gutter={[16, 16]}>
            <Col xs={24} lg={12}>
              <Card title={sectionTitle(t('scans'), 'ov-scans')} extra={<Link to="/policy">{t('policy')}</Link>} style={{ height: '100%' }}>
                {d.scans.policy_status !== 'open' && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('policyClosed')} />}
                <Descriptions
                  size="small"
                  column={1}
                  items={[
                    { key: 'last', label: t('lastScan'), children: <ScanLine scan={d.scans.last_scan} /> },
                    { key: 'sched', label: t('lastScheduled'), children: <ScanLine scan={d.scans.last_scheduled_scan} /> },
                    { key: 'next', label: t('nextScan'), children: <span data-testid="overview-next-scan">{d.scans.next_scan_time ? formatTime(d.scans.next_scan_time) : '-'}</span> },
                  ]}
                />
              </Card>
            </Col>
            <Col xs={24} lg={12}>
              <Card title={sectionTitle(t('db'), 'ov-db')} extra={<Link to="/admin">{t('dbManage')}</Link>} style={{ height: '100%' }}>
                {d.vulnerability_db.demo ? (
                  <Alert type="warning" showIcon title={t('dbDemo')} />
                ) : d.vulnerability_db.stale ? (
                  <Alert type="warning" showIcon title={t('dbStale', { age: roughAge(d.vulnerability_db.age_seconds ?? 0, i18n.language), hours: d.vulnerability_db.update_interval_hours })} />
                ) : (
                  <Alert type="success" showIcon title={t('dbFresh', { age: roughAge(d.vulnerability_db.age_seconds ?? 0, i18n.language) })} />
                )}
                <Descriptions
                  size="small"
                  column={1}
                  style={{ marginTop: 12 }}
                  items={[
                    { key: 'ok', label: t('dbLastSuccess'), children: formatTime(d.vulnerability_db.last_success_time) },
                    ...(d.vulnerability_db.last_error ? [{ key: 'err', label: t('dbLastError'), children: d.vulnerability_db.last_error }] : []),
                  ]}
                />
              </Card>
            </Col>
          </Row>
        </Flex>
      )}
    </>
  );
}
