import { Input, Select, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PageTitle } from '../../components/PageTitle';
import { emptyText } from '../../components/EmptyText';
import { QueryError } from '../../components/QueryError';
import { SEVERITIES, SeverityTag } from '../../components/Severity';
import { useUrlTable } from '../../hooks/useUrlTable';
import { listImageVuls, type ImageVul } from './api';

/** One image's vulnerabilities (ListImageVulnerabilities), filters in the URL. */
export function ImageVulns({ imageId }: { imageId: string }) {
  const { t } = useTranslation('images');
  const table = useUrlTable();
  const f = table.filters;
  const source = f.source === 'local' || f.source === 'cicd' ? f.source : 'registry';
  const query = { ...table.pageQuery, image_type: source, repair_necessity: f.repair_necessity, app_name: f.app_name, type: f.type, handle_status: f.handle_status };
  const vuls = useQuery({ queryKey: ['image-vuls', imageId, query], queryFn: () => listImageVuls(imageId, query), placeholderData: keepPreviousData });
  const columns: ColumnsType<ImageVul> = [
    {
      title: t('vul.id'),
      dataIndex: 'vul_id',
      render: (v: string, r) => (
        <>
          {r.url ? (
            <a href={r.url} target="_blank" rel="noreferrer noopener">
              {v}
            </a>
          ) : (
            v
          )}
          {r.cve_ids.filter((c) => c !== v).length > 0 ? <div style={{ fontSize: 12 }}>{r.cve_ids.filter((c) => c !== v).join(', ')}</div> : null}
        </>
      ),
    },
    { title: t('vul.severity'), dataIndex: 'repair_necessity', render: (v: string) => <SeverityTag value={v} /> },
    { title: t('vul.package'), dataIndex: 'app_name' },
    { title: t('vul.version'), dataIndex: 'version' },
    { title: t('vul.fixed'), dataIndex: 'fixed_version', render: (v: string) => v || '-' },
    { title: t('vul.type'), dataIndex: 'vul_type', render: (v: string) => t(`vulType.${v}`, { defaultValue: v }) },
    { title: t('vul.cvss'), dataIndex: 'cvss_score', render: (v: number | null) => (v === null ? '-' : v.toFixed(1)) },
    { title: t('vul.path'), dataIndex: 'position', render: (v: string) => (v ? <Typography.Text code>{v}</Typography.Text> : '-') },
    { title: t('vul.handle'), dataIndex: 'handle_status', render: (v: string) => <Tag>{t(`handle.${v}`, { defaultValue: v })}</Tag> },
    { title: t('vul.description'), dataIndex: 'description', ellipsis: true, width: 320 },
  ];
  return (
    <>
      <Link to={`/images/${source}`}>
        <ArrowLeftOutlined /> {t('vul.back')}
      </Link>
      <PageTitle>{t('openVuls', { name: f.name || imageId })}</PageTitle>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          aria-label={t('vul.severityFilter')}
          placeholder={t('vul.severityFilter')}
          allowClear
          style={{ minWidth: 140 }}
          value={f.repair_necessity}
          onChange={(v?: string) => table.setFilters({ repair_necessity: v })}
          options={SEVERITIES.map((s) => ({ value: s, label: t(`common:severity.${s}`) }))}
        />
        <Input.Search
          key={f.app_name ?? ''}
          aria-label={t('vul.packageFilter')}
          placeholder={t('vul.packageFilter')}
          allowClear
          defaultValue={f.app_name}
          onSearch={(v) => table.setFilters({ app_name: v.trim() })}
          style={{ width: 200 }}
        />
        <Select
          aria-label={t('vul.typeFilter')}
          placeholder={t('vul.typeFilter')}
          allowClear
          style={{ minWidth: 140 }}
          value={f.type}
          onChange={(v?: string) => table.setFilters({ type: v })}
          options={(['linux_vul', 'app_vul'] as const).map((s) => ({ value: s, label: t(`vulType.${s}`) }))}
        />
        <Select
          aria-label={t('vul.handleFilter')}
          placeholder={t('vul.handleFilter')}
          allowClear
          style={{ minWidth: 140 }}
          value={f.handle_status}
          onChange={(v?: string) => table.setFilters({ handle_status: v })}
          options={(['unhandled', 'handled'] as const).map((s) => ({ value: s, label: t(`handle.${s}`) }))}
        />
      </Space>
      <QueryError error={vuls.error} retry={() => void vuls.refetch()} />
      <Table<ImageVul>
        rowKey={(r) => `${r.vul_id}|${r.app_name}|${r.version}|${r.position}`}
        columns={columns}
        dataSource={vuls.data?.data_list}
        loading={vuls.isFetching && !vuls.data}
        locale={emptyText(t('vul.empty'))}
        pagination={table.pagination(vuls.data?.total_num)}
      />
    </>
  );
}
