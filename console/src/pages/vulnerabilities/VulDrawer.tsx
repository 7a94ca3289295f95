import { useState } from 'react';
import { Link } from 'react-router';
import { Button, Descriptions, Drawer, Empty, Flex, Segmented, Space, Table, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { listVulHosts, listVulImages, vulDetail, OPERATIONS, type VulHostItem, type VulImageItem } from '../../api/vulnerabilities';
import { useUrlTable } from '../../hooks/useUrlTable';
import { SeverityTag } from '../../components/Severity';
import { QueryError } from '../../components/QueryError';
import { formatTime } from '../../components/format';
import { useHandleVuls } from './useHandleVuls';
import './texts';
import { Loading } from '../../components/Loading';

const IMAGE_SOURCES = ['registry', 'local', 'cicd'] as const;

/** One vulnerability: the DB's facts, the affected packages, and the hosts and images where it was found (paging in the URL: vh_*, vi_*). */
export function VulDrawer({ vulId, type, onClose }: { vulId: string; type: string; onClose: () => void }) {
  const { t } = useTranslation('vulnerabilities');
  const hostsTable = useUrlTable({ prefix: 'vh_' });
  const imagesTable = useUrlTable({ prefix: 'vi_' });
  const source = (IMAGE_SOURCES as readonly string[]).includes(imagesTable.filters.source ?? '') ? imagesTable.filters.source! : 'registry';
  const [selectedHosts, setSelectedHosts] = useState<string[]>([]);
  const handling = useHandleVuls();

  const detail = useQuery({ queryKey: ['vul-detail', vulId], queryFn: () => vulDetail(vulId) });
  const hosts = useQuery({
    queryKey: ['vul-hosts', vulId, type, hostsTable.pageQuery],
    queryFn: () => listVulHosts({ vul_id: vulId, type, ...hostsTable.pageQuery }),
  });
  const images = useQuery({
    queryKey: ['vul-images', vulId, source, imagesTable.pageQuery],
    queryFn: () => listVulImages(vulId, { global_image_type: source, ...imagesTable.pageQuery }),
  });
  const d = detail.data;

  return (
    <Drawer open onClose={onClose} size={760} title={t('drawer.title', { id: vulId })} closable={{ 'aria-label': t('common:common.close') }}>
      <QueryError error={detail.error} retry={() => void detail.refetch()} />
      {detail.isLoading && <Loading />}
      {d && (
        <Flex vertical gap={20}>
          <section aria-labelledby="vd-facts">
            <Typography.Title level={2} id="vd-facts" style={{ fontSize: 18 }}>
              {d.vul_name}
            </Typography.Title>
            <Descriptions
              size="small"
              column={1}
              bordered
              items={[
                { key: 'sev', label: t('drawer.severity'), children: <SeverityTag value={d.severity_level} /> },
                {
                  key: 'cvss',
                  label: t('drawer.cvss'),
                  children: d.cvss.score !== null ? `${d.cvss.score.toFixed(1)}${d.cvss.version ? ` (CVSS ${d.cvss.version})` : ''}` : '-',
                },
                { key: 'vector', label: t('drawer.cvssVector'), children: d.cvss.vector ? <Typography.Text code>{d.cvss.vector}</Typography.Text> : '-' },
                {
                  key: 'kev',
                  label: t('drawer.kev'),
                  children: d.kev ? (
                    <Tag variant="solid" color="#a8071a">{d.kev_date_added ? t('drawer.kevYes', { date: d.kev_date_added }) : t('drawer.kevYesNoDate')}</Tag>
                  ) : (
                    t('common:common.no')
                  ),
                },
                { key: 'pub', label: t('drawer.published'), children: d.published ? formatTime(d.published) : '-' },
                { key: 'mod', label: t('drawer.modified'), children: d.modified ? formatTime(d.modified) : '-' },
                { key: 'aliases', label: t('drawer.aliases'), children: d.aliases.length ? d.aliases.join(', ') : '-' },
              ]}
            />
          </section>
          <section aria-labelledby="vd-desc">
            <Typography.Title level={3} id="vd-desc" style={{ fontSize: 16 }}>
              {t('drawer.description')}
            </Typography.Title>
            <Typography.Paragraph data-testid="vul-description">{d.description || '-'}</Typography.Paragraph>
          </section>
          <section aria-labelledby="vd-refs">
            <Typography.Title level={3} id="vd-refs" style={{ fontSize: 16 }}>
              {t('drawer.references')}
            </Typography.Title>
            {d.references.length === 0 ? (
              <Typography.Text>{t('drawer.noReferences')}</Typography.Text>
            ) : (
              <ul style={{ paddingInlineStart: 20, margin: 0 }}>
                {d.references.map((r) => (
                  <li key={r}>
                    <a href={r} target="_blank" rel="noreferrer noopener">
                      {r}
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="vd-pkgs">
            <Typography.Title level={3} id="vd-pkgs" style={{ fontSize: 16 }}>
              {t('drawer.packages')}
            </Typography.Title>
            <Table
              size="small"
              rowKey={(p) => `${p.app_name}\u0000${p.app_type}\u0000${p.app_version}\u0000${p.upgrade_version}`}
              dataSource={d.packages}
              pagination={false}
              data-testid="vul-packages"
              columns={[
                { title: t('drawer.package'), dataIndex: 'app_name' },
                { title: t('drawer.packageType'), dataIndex: 'app_type' },
                { title: t('drawer.installed'), dataIndex: 'app_version' },
                { title: t('drawer.fixed'), dataIndex: 'upgrade_version', render: (v: string) => v || <Typography.Text type="danger">{t('drawer.noFixKnown')}</Typography.Text> },
                { title: t('drawer.onHosts'), dataIndex: 'host_num', align: 'right' },
                { title: t('drawer.onImages'), dataIndex: 'image_num', align: 'right' },
              ]}
            />
          </section>
        </Flex>
      )}
      <section aria-labelledby="vd-hosts" style={{ marginTop: 20 }}>
        <Flex justify="space-between" align="center" wrap gap={8}>
          <Typography.Title level={3} id="vd-hosts" style={{ fontSize: 16 }}>
            {t('drawer.hosts')}
          </Typography.Title>
          <Space wrap aria-label={t('drawer.hostActions')}>
            {OPERATIONS.map((op) => (
              <Button
                key={op}
                size="small"
                disabled={selectedHosts.length === 0}
                onClick={() =>
                  handling.start({
                    op,
                    type,
                    title: t('confirmTitleOne', { op: t(`op.${op}`), name: d?.vul_name ?? vulId, hosts: selectedHosts.length }),
                    data_list: [{ vul_id: vulId, host_id_list: selectedHosts }],
                  })
                }
              >
                {t(`op.${op}`)}
              </Button>
            ))}
          </Space>
        </Flex>
        <QueryError error={hosts.error} retry={() => void hosts.refetch()} />
        <Table<VulHostItem>
          size="small"
          rowKey="host_id"
          loading={hosts.isLoading}
          dataSource={hosts.data?.data_list}
          pagination={hostsTable.pagination(hosts.data?.total_num)}
          rowSelection={{ selectedRowKeys: selectedHosts, onChange: (keys) => setSelectedHosts(keys as string[]) }}
          locale={{ emptyText: <Empty description={t('drawer.noHosts')} /> }}
          data-testid="vul-hosts"
          columns={[
            { title: t('drawer.host'), dataIndex: 'host_name', render: (name: string, r) => <Link to={`/hosts/${encodeURIComponent(r.host_id)}`}>{name}</Link> },
            { title: t('drawer.ip'), dataIndex: 'host_ip' },
            { title: t('drawer.os'), key: 'os', render: (_, r) => `${r.os_name}` },
            { title: t('status'), dataIndex: 'status', render: (s: string) => <Tag>{t(`statuses.${s}`, { defaultValue: s })}</Tag> },
            { title: t('drawer.repairCmd'), dataIndex: 'repair_cmd', render: (c: string) => (c ? <Typography.Text code>{c}</Typography.Text> : '-') },
            { title: t('drawer.firstSeen'), dataIndex: 'first_scan_time', render: (v: number) => formatTime(v) },
          ]}
        />
      </section>
      <section aria-labelledby="vd-images" style={{ marginTop: 20 }}>
        <Flex justify="space-between" align="center" wrap gap={8}>
          <Typography.Title level={3} id="vd-images" style={{ fontSize: 16 }}>
            {t('drawer.images')}
          </Typography.Title>
          <Segmented
            aria-label={t('drawer.imageType')}
            value={source}
            options={IMAGE_SOURCES.map((s) => ({ value: s, label: t(`drawer.imageTypes.${s}`) }))}
            onChange={(v) => imagesTable.setFilters({ source: v === 'registry' ? undefined : String(v) })}
          />
        </Flex>
        <QueryError error={images.error} retry={() => void images.refetch()} />
        <Table<VulImageItem>
          size="small"
          rowKey={(r) => `${r.id}\u0000${r.app_name}\u0000${r.position}`}
          loading={images.isLoading}
          dataSource={images.data?.data_list}
          pagination={imagesTable.pagination(images.data?.total_num)}
          locale={{ emptyText: <Empty description={t('drawer.noImages')} /> }}
          columns={[
            { title: t('drawer.image'), key: 'image', render: (_, r) => `${r.namespace ? `${r.namespace}/` : ''}${r.image_name}:${r.image_version}` },
            { title: t('drawer.package'), dataIndex: 'app_name' },
            { title: t('drawer.installed'), dataIndex: 'version' },
            { title: t('drawer.fixed'), dataIndex: 'fixed_version', render: (v: string) => v || t('drawer.noFixKnown') },
            { title: t('drawer.position'), dataIndex: 'position' },
          ]}
        />
      </section>
      {handling.dialog}
    </Drawer>
  );
}
