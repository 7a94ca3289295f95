import { useMemo, useState } from 'react';
import { Button, Input, Select, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Query } from '../../api/client';
import { QueryError } from '../../components/QueryError';
import { emptyText } from '../../components/EmptyText';
import { StatusTag, type Tone } from '../../components/StatusTag';
import { formatBytes, formatTime } from '../../components/format';
import { useUrlTable } from '../../hooks/useUrlTable';
import { IMAGE_SCAN_STATUSES, listImages, type ImageRow, type ImageSource } from './api';
import { ScanImagesModal, type ScanSelection } from './ScanImagesModal';
import { ScanStatusTag } from './ScanStatusTag';

const TEXT_FILTERS: Record<ImageSource, Array<{ name: string; label: string }>> = {
  registry: [
    { name: 'image_name', label: 'filter.imageName' },
    { name: 'image_version', label: 'filter.imageVersion' },
    { name: 'namespace', label: 'filter.namespace' },
    { name: 'registry_name', label: 'filter.registry' },
  ],
  local: [
    { name: 'image_name', label: 'filter.imageName' },
    { name: 'image_version', label: 'filter.imageVersion' },
    { name: 'host_name', label: 'filter.hostName' },
  ],
  cicd: [
    { name: 'image_name', label: 'filter.imageName' },
    { name: 'image_version', label: 'filter.imageVersion' },
  ],
};
/** Filters the URL may hold for each list, as the API names them (so they are the scan task's query_info too). */
const FILTER_NAMES: Record<ImageSource, string[]> = {
  registry: [...TEXT_FILTERS.registry.map((f) => f.name), 'scan_status', 'has_vul', 'registry_id'],
  local: [...TEXT_FILTERS.local.map((f) => f.name), 'scan_status', 'has_vul', 'local_image_type'],
  cicd: [...TEXT_FILTERS.cicd.map((f) => f.name), 'scan_status', 'has_vul'],
};

const SEVERITY_TONE: Record<string, Tone> = { High: 'error', Medium: 'warning', Low: 'processing', Security: 'success' };

/** Registry, local or CI/CD images: filters in the URL, server-side paging, scan of the selected or of all matching images. */
export function ImageList({ source }: { source: ImageSource }) {
  const { t } = useTranslation('images');
  const table = useUrlTable();
  const f = table.filters;
  const filterQuery = useMemo(() => {
    const q: Query = {};
    for (const name of FILTER_NAMES[source]) if (f[name]) q[name] = name === 'has_vul' ? f[name] === 'true' : f[name];
    return q;
  }, [f, source]);
  const query = { ...table.pageQuery, ...filterQuery };
  const images = useQuery({
    queryKey: ['images', source, query],
    queryFn: () => listImages(source, query),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.data_list.some((i) => i.scan_status === 'scanning' || i.scan_status === 'waiting_for_scan') ? 5000 : false),
  });
  const [selected, setSelected] = useState<number[]>([]);
  const [scan, setScan] = useState<ScanSelection | null>(null);
  const setFilters = (changes: Record<string, string | undefined>) => {
    setSelected([]);
    table.setFilters(changes);
  };

  const columns: ColumnsType<ImageRow> = [
    {
      title: t('col.image'),
      dataIndex: 'image_name',
      render: (name: string, r) => (
        <Link to={`/images/${r.id}?source=${source}&name=${encodeURIComponent(`${name}:${r.image_version}`)}`} aria-label={t('openVuls', { name: `${name}:${r.image_version}` })}>
          {name}
        </Link>
      ),
    },
    { title: t('col.version'), dataIndex: 'image_version' },
    ...(source === 'registry'
      ? ([
          { title: t('col.namespace'), dataIndex: 'namespace' },
          { title: t('col.registry'), dataIndex: 'registry_name' },
        ] as ColumnsType<ImageRow>)
      : []),
    ...(source === 'local'
      ? ([
          { title: t('col.host'), dataIndex: 'host_name', render: (v?: string) => v || '-' },
          { title: t('col.hosts'), key: 'refs', render: (_, r) => `${r.host_num ?? 0} / ${r.container_num ?? 0}` },
        ] as ColumnsType<ImageRow>)
      : []),
    { title: t('col.size'), dataIndex: 'image_size', render: (v: number) => (v ? formatBytes(v) : '-') },
    { title: t('col.scanStatus'), dataIndex: 'scan_status', render: (v: string, r) => <ScanStatusTag status={v} reason={r.scan_failed_desc} /> },
    ...(source !== 'cicd'
      ? ([
          { title: t('col.vuls'), dataIndex: 'vul_num' },
          {
            title: t('col.risk'),
            dataIndex: 'severity_level',
            render: (v?: string) => (v ? <StatusTag tone={SEVERITY_TONE[v]}>{t(`severityLevel.${v}`, { defaultValue: v })}</StatusTag> : '-'),
          },
        ] as ColumnsType<ImageRow>)
      : []),
    { title: t('col.updated'), dataIndex: 'latest_update_time', render: formatTime },
    { title: t('col.scanned'), dataIndex: 'latest_scan_time', render: formatTime },
  ];

  const total = images.data?.total_num ?? 0;
  return (
    <>
      <Space wrap style={{ marginBottom: 16 }}>
        {TEXT_FILTERS[source].map(({ name, label }) => (
          <Input.Search
            key={`${name}:${f[name] ?? ''}`}
            aria-label={t(label)}
            placeholder={t(label)}
            allowClear
            defaultValue={f[name]}
            onSearch={(v) => setFilters({ [name]: v.trim() })}
            style={{ width: 200 }}
          />
        ))}
        <Select
          aria-label={t('filter.scanStatus')}
          placeholder={t('filter.scanStatus')}
          allowClear
          style={{ minWidth: 160 }}
          value={f.scan_status}
          onChange={(v?: string) => setFilters({ scan_status: v })}
          options={IMAGE_SCAN_STATUSES.map((s) => ({ value: s, label: t(`scanStatus.${s}`) }))}
        />
        <Select
          aria-label={t('filter.hasVul')}
          placeholder={t('filter.hasVul')}
          allowClear
          style={{ minWidth: 180 }}
          value={f.has_vul}
          onChange={(v?: string) => setFilters({ has_vul: v })}
          options={[
            { value: 'true', label: t('filter.hasVulYes') },
            { value: 'false', label: t('filter.hasVulNo') },
          ]}
        />
        {source === 'local' ? (
          <Select
            aria-label={t('filter.localType')}
            placeholder={t('filter.localType')}
            allowClear
            style={{ minWidth: 160 }}
            value={f.local_image_type}
            onChange={(v?: string) => setFilters({ local_image_type: v })}
            options={(['other_image', 'swr_image'] as const).map((s) => ({ value: s, label: t(`localType.${s}`) }))}
          />
        ) : null}
        <Button icon={<ReloadOutlined />} onClick={() => void images.refetch()}>
          {t('common:common.refresh')}
        </Button>
      </Space>
      <Space wrap style={{ marginBottom: 16, display: 'flex' }}>
        <Button type="primary" disabled={selected.length === 0} onClick={() => setScan({ source, ids: selected, queryInfo: filterQuery, count: selected.length })}>
          {t('scan.selected', { count: selected.length })}
        </Button>
        <Button disabled={total === 0} onClick={() => setScan({ source, ids: null, queryInfo: filterQuery, count: total })}>
          {t('scan.all', { count: total })}
        </Button>
        {f.registry_id ? <Typography.Text>{t('filter.registry')}: {f.registry_id}</Typography.Text> : null}
      </Space>
      <QueryError error={images.error} retry={() => void images.refetch()} />
      <Table<ImageRow>
        rowKey="id"
        columns={columns}
        dataSource={images.data?.data_list}
        loading={images.isFetching && !images.data}
        locale={emptyText(t(`empty.${source}`))}
        pagination={table.pagination(images.data?.total_num)}
        rowSelection={{ selectedRowKeys: selected, onChange: (keys) => setSelected(keys as number[]), preserveSelectedRowKeys: true }}
      />
      <ScanImagesModal selection={scan} onClose={() => setScan(null)} />
    </>
  );
}
