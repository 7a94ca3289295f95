import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { App, Button, Card, Descriptions, Input, Result, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { ArrowLeftOutlined, ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import './texts';
import { PageTitle } from '../../components/PageTitle';
import { QueryError } from '../../components/QueryError';
import { StatusTag } from '../../components/StatusTag';
import { emptyText } from '../../components/EmptyText';
import { SeverityTag } from '../../components/Severity';
import { formatTime } from '../../components/format';
import { useUrlTable } from '../../hooks/useUrlTable';
import {
  findJob,
  instancesOf,
  jobsKey,
  listJobResources,
  listJobResults,
  listObjectGroups,
  listRuleGroups,
  RESOURCE_STATUSES,
  RESULT_CATEGORIES,
  RESULT_STATUSES,
  retryJob,
  type GroupCounts,
  type Job,
  type JobResource,
  type JobResult,
  type ObjectGroup,
  type ResultFilter,
  type RuleGroup,
  type TaskType,
  useScope,
} from './api';
import { JOB_STATUS_TONE, JobProgress, JobScope } from './JobList';
import { Loading } from '../../components/Loading';

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** The failed results of a group, by severity. */
function FailedBySeverity({ counts }: { counts: GroupCounts }) {
  const shown = SEVERITIES.filter((s) => counts.failed_by_severity[s] > 0);
  if (shown.length === 0) return <>0</>;
  return (
    <Space size={[0, 4]} wrap>
      {shown.map((s) => (
        <span key={s} data-severity={s}>
          <SeverityTag value={s} /> {counts.failed_by_severity[s]}
        </span>
      ))}
    </Space>
  );
}

/** A resource's open findings from its summary (category → severity or passed/not_evaluated/suppressed → count). */
function SummaryCell({ summary }: { summary: JobResource['summary'] }) {
  const by: Record<string, number> = {};
  for (const counts of Object.values(summary)) for (const [k, n] of Object.entries(counts)) if (SEVERITIES.includes(k.toLowerCase() as (typeof SEVERITIES)[number])) by[k.toLowerCase()] = (by[k.toLowerCase()] ?? 0) + n;
  const shown = SEVERITIES.filter((s) => by[s]);
  if (shown.length === 0) return <>0</>;
  return (
    <Space size={[0, 4]} wrap>
      {shown.map((s) => (
        <span key={s}>
          <SeverityTag value={s} /> {by[s]}
        </span>
      ))}
    </Space>
  );
}

function useObjectName() {
  const { t } = useTranslation('jobs');
  return (taskType: TaskType, o: { kind: string; namespace: string; name: string }) =>
    o.kind || o.name ? [o.kind, o.namespace ? `${o.namespace}/${o.name}` : o.name].filter(Boolean).join(' ') : taskType === 'cluster_scan' ? t('detail.clusterWide') : t('detail.wholeFile');
}

/** Where a grouped finding failed: its instances (containers, role rules), shown when its row is expanded. */
function Instances({ result }: { result: JobResult }) {
  const { t } = useTranslation('jobs');
  const instances = instancesOf(result);
  return (
    <section aria-label={t('detail.instances', { count: instances.length })}>
      <Typography.Text strong>{t('detail.instances', { count: instances.length })}</Typography.Text>
      <ul style={{ margin: '4px 0 0', paddingInlineStart: 20 }}>
        {instances.map((i, n) => (
          <li key={n}>
            {i.container ? <Tag>{t('detail.instanceContainer', { type: i.container_type ?? 'container', name: i.container })}</Tag> : null}
            {i.message}
            {i.path ? (
              <>
                {' '}
                <Typography.Text code type="secondary">
                  {i.path}
                </Typography.Text>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The results of one group (a rule, or an object), paged. */
function GroupResults({ taskId, taskType, filter, label }: { taskId: string; taskType: TaskType; filter: ResultFilter; label: string }) {
  const { t } = useTranslation('jobs');
  const objectName = useObjectName();
  const [page, setPage] = useState({ offset: 0, limit: 10 });
  const results = useQuery({ queryKey: ['job-results', taskId, filter, page], queryFn: () => listJobResults(taskId, filter, page), placeholderData: keepPreviousData });
  const columns: ColumnsType<JobResult> = [
    { title: t('col.rule'), dataIndex: 'check_id', render: (v: string, r) => (v ? <Typography.Text code>{v}</Typography.Text> : r.title) },
    { title: t('col.object'), key: 'object', render: (_, r) => objectName(taskType, { kind: r.resource_kind, namespace: r.resource_namespace, name: r.resource_name }) },
    { title: t('col.severity'), dataIndex: 'severity', render: (v: string) => <SeverityTag value={v} /> },
    {
      title: t('col.result'),
      dataIndex: 'status',
      render: (v: string, r) =>
        r.suppressed ? (
          <Tag title={t('detail.suppressedBy', { reason: r.suppress_reason })}>{t('col.suppressed')}</Tag>
        ) : (
          <StatusTag tone={v === 'failed' ? 'error' : v === 'passed' ? 'success' : 'default'}>{t(`resultStatus.${v}`, { defaultValue: v })}</StatusTag>
        ),
    },
    { title: t('col.location'), key: 'loc', render: (_, r) => (r.file ? `${r.file}${r.start_line ? `:${r.start_line}${r.end_line && r.end_line !== r.start_line ? `-${r.end_line}` : ''}` : ''}` : '-') },
    { title: t('col.message'), dataIndex: 'message', render: (v: string, r) => v || r.title },
  ];
  return (
    <section aria-label={label}>
      <QueryError error={results.error} retry={() => void results.refetch()} />
      <Table<JobResult>
        size="small"
        rowKey={(r) => `${r.resource_id}|${r.check_id}|${r.resource_kind}|${r.resource_namespace}|${r.resource_name}|${r.start_line}|${r.message}`}
        columns={columns}
        dataSource={results.data?.data_list}
        expandable={results.data?.data_list.some((r) => instancesOf(r).length > 0) ? { rowExpandable: (r) => instancesOf(r).length > 0, expandedRowRender: (r) => <Instances result={r} /> } : undefined}
        loading={results.isFetching && !results.data}
        locale={emptyText(t('detail.noResults'))}
        pagination={{
          current: page.offset / page.limit + 1,
          pageSize: page.limit,
          total: results.data?.total_num ?? 0,
          showSizeChanger: true,
          pageSizeOptions: [10, 20, 50, 100, 200],
          onChange: (p, size) => setPage({ offset: size === page.limit ? (p - 1) * size : 0, limit: size }),
        }}
      />
    </section>
  );
}

/** Category and result filters of a findings tab, in the URL under the tab's prefix. */
function ResultFilters({ table }: { table: ReturnType<typeof useUrlTable> }) {
  const { t } = useTranslation('jobs');
  return (
    <Space wrap style={{ marginBottom: 8 }}>
      <Select
        aria-label={t('filters.category')}
        placeholder={t('filters.category')}
        allowClear
        style={{ minWidth: 170 }}
        value={table.filters.category}
        onChange={(v?: string) => table.setFilters({ category: v })}
        options={RESULT_CATEGORIES.map((c) => ({ value: c, label: t(`category.${c}`) }))}
      />
      <Select
        aria-label={t('filters.resultStatus')}
        placeholder={t('filters.resultStatus')}
        allowClear
        style={{ minWidth: 150 }}
        value={table.filters.status}
        onChange={(v?: string) => table.setFilters({ status: v })}
        options={RESULT_STATUSES.map((c) => ({ value: c, label: t(`resultStatus.${c}`) }))}
      />
    </Space>
  );
}

const filterOf = (f: Record<string, string>): ResultFilter => ({ ...(f.category ? { category: f.category } : {}), ...(f.status ? { status: f.status } : {}) });

function countColumns<T extends GroupCounts>(t: (k: string) => string): ColumnsType<T> {
  return [
    { title: t('col.failed'), dataIndex: 'failed_num', render: (_: number, g) => <span data-testid="failed-num">{g.failed_num}</span> },
    { title: t('col.findings'), key: 'bySeverity', render: (_, g) => <FailedBySeverity counts={g} /> },
    { title: t('col.passed'), dataIndex: 'passed_num' },
    { title: t('col.notEvaluated'), dataIndex: 'not_evaluated_num' },
    { title: t('col.suppressed'), dataIndex: 'suppressed_num' },
  ];
}

function RuleGroups({ job }: { job: Job }) {
  const { t } = useTranslation('jobs');
  const table = useUrlTable({ prefix: 'rule_' });
  const filter = filterOf(table.filters);
  const groups = useQuery({ queryKey: ['job-rule-groups', job.task_id, filter, table.pageQuery, job.task_status], queryFn: () => listRuleGroups(job.task_id, filter, table.pageQuery), placeholderData: keepPreviousData });
  const columns: ColumnsType<RuleGroup> = [
    { title: t('col.rule'), dataIndex: 'check_id', render: (v: string) => (v ? <Typography.Text code>{v}</Typography.Text> : '-') },
    { title: t('col.ruleTitle'), dataIndex: 'title' },
    { title: t('col.category'), dataIndex: 'category', render: (v: string) => t(`category.${v}`, { defaultValue: v }) },
    { title: t('col.severity'), dataIndex: 'severity', render: (v: string) => <SeverityTag value={v} /> },
    ...countColumns<RuleGroup>(t),
    { title: t('col.objects'), dataIndex: 'object_num' },
  ];
  return (
    <>
      <ResultFilters table={table} />
      <QueryError error={groups.error} retry={() => void groups.refetch()} />
      <div data-testid="rule-groups">
        <Table<RuleGroup>
          rowKey={(g) => `${g.category}|${g.check_id}`}
          columns={columns}
          dataSource={groups.data?.rule_list}
          loading={groups.isFetching && !groups.data}
          locale={emptyText(t('detail.noResults'))}
          pagination={table.pagination(groups.data?.total_num)}
          expandable={{
            expandedRowRender: (g) => (
              <GroupResults taskId={job.task_id} taskType={job.task_type} filter={{ ...filter, category: g.category, check_id: g.check_id }} label={t('detail.resultsOfRule', { rule: g.check_id })} />
            ),
          }}
          scroll={{ x: 'max-content' }}
        />
      </div>
    </>
  );
}

function ObjectGroups({ job }: { job: Job }) {
  const { t } = useTranslation('jobs');
  const objectName = useObjectName();
  const table = useUrlTable({ prefix: 'obj_' });
  const filter = filterOf(table.filters);
  const groups = useQuery({ queryKey: ['job-object-groups', job.task_id, filter, table.pageQuery, job.task_status], queryFn: () => listObjectGroups(job.task_id, filter, table.pageQuery), placeholderData: keepPreviousData });
  const nameOf = (g: ObjectGroup) => objectName(job.task_type, { kind: g.object_kind, namespace: g.object_namespace, name: g.object_name });
  const columns: ColumnsType<ObjectGroup> = [
    { title: t('col.resource'), dataIndex: 'resource_name' },
    { title: t('col.object'), key: 'object', render: (_, g) => nameOf(g) },
    ...countColumns<ObjectGroup>(t),
    { title: t('col.rules'), dataIndex: 'rule_num' },
  ];
  return (
    <>
      <ResultFilters table={table} />
      <QueryError error={groups.error} retry={() => void groups.refetch()} />
      <div data-testid="object-groups">
        <Table<ObjectGroup>
          rowKey={(g) => `${g.resource_id}|${g.object_kind}|${g.object_namespace}|${g.object_name}`}
          columns={columns}
          dataSource={groups.data?.resource_list}
          loading={groups.isFetching && !groups.data}
          locale={emptyText(t('detail.noResults'))}
          pagination={table.pagination(groups.data?.total_num)}
          expandable={{
            expandedRowRender: (g) => (
              <GroupResults
                taskId={job.task_id}
                taskType={job.task_type}
                filter={{ ...filter, resource_id: g.resource_id, resource_kind: g.object_kind, resource_namespace: g.object_namespace, resource_name: g.object_name }}
                label={t('detail.resultsOfObject', { object: `${g.resource_name} ${nameOf(g)}` })}
              />
            ),
          }}
          scroll={{ x: 'max-content' }}
        />
      </div>
    </>
  );
}

/** The clusters or files of a job (ListTaskResources), each with its outcome and open findings. */
function Resources({ job }: { job: Job }) {
  const { t } = useTranslation('jobs');
  const table = useUrlTable({ prefix: 'res_' });
  const f = table.filters;
  const resources = useQuery({
    queryKey: ['job-resources', job.task_id, f.status, f.name, table.pageQuery, job.task_status],
    queryFn: () => listJobResources(job.task_id, job.task_type, { ...(f.status ? { scan_status: f.status } : {}), ...(f.name ? { name: f.name } : {}) }, table.pageQuery),
    placeholderData: keepPreviousData,
  });
  const columns: ColumnsType<JobResource> = [
    { title: t('col.resource'), dataIndex: 'resource_name' },
    { title: t('col.status'), dataIndex: 'scan_status', render: (v: string) => <StatusTag tone={JOB_STATUS_TONE[v]}>{t(`resourceStatus.${v}`, { defaultValue: v })}</StatusTag> },
    { title: t('col.findings'), dataIndex: 'summary', render: (s: JobResource['summary']) => <SummaryCell summary={s} /> },
    { title: t('col.start'), dataIndex: 'start_time', render: formatTime },
    { title: t('col.end'), dataIndex: 'end_time', render: formatTime },
    { title: t('col.reason'), dataIndex: 'failed_reason', render: (v: string) => (v ? <Typography.Text type="danger">{v}</Typography.Text> : '-') },
  ];
  return (
    <>
      <Space wrap style={{ marginBottom: 8 }}>
        <Input.Search
          aria-label={t('filters.resourceName')}
          placeholder={t('filters.resourceName')}
          allowClear
          defaultValue={f.name}
          key={`rn-${f.name ?? ''}`}
          onSearch={(v) => table.setFilters({ name: v.trim() })}
          style={{ width: 220 }}
        />
        <Select
          aria-label={t('filters.resourceStatus')}
          placeholder={t('filters.resourceStatus')}
          allowClear
          style={{ minWidth: 150 }}
          value={f.status}
          onChange={(v?: string) => table.setFilters({ status: v })}
          options={RESOURCE_STATUSES.map((s) => ({ value: s, label: t(`resourceStatus.${s}`) }))}
        />
      </Space>
      <QueryError error={resources.error} retry={() => void resources.refetch()} />
      <div data-testid="job-resources">
        <Table<JobResource>
          rowKey="resource_id"
          columns={columns}
          dataSource={resources.data?.data_list}
          loading={resources.isFetching && !resources.data}
          locale={emptyText(t('detail.noResources'))}
          pagination={table.pagination(resources.data?.total_num)}
          scroll={{ x: 'max-content' }}
        />
      </div>
    </>
  );
}

export default function JobDetail() {
  const { t } = useTranslation('jobs');
  const { taskId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const scope = useScope();
  const job = useQuery({
    queryKey: [...jobsKey, ...scope, 'one', taskId],
    queryFn: () => findJob(taskId, params.get('type') ?? undefined),
    refetchInterval: (q) => (q.state.data && q.state.data.task_status !== 'finished' ? 3000 : false),
  });
  const retry = useMutation({
    mutationFn: () => retryJob(taskId),
    onSuccess: () => {
      void message.success(t('retried'));
      void queryClient.invalidateQueries({ queryKey: jobsKey });
    },
    onError: (err) => void message.error(t('common:common.error', { message: (err as Error).message })),
  });
  const back = (
    <Link to="/jobs">
      <ArrowLeftOutlined /> {t('back')}
    </Link>
  );
  if (job.isLoading) return <Loading />;
  if (job.error)
    return (
      <>
        <PageTitle extra={back}>{t('title')}</PageTitle>
        <QueryError error={job.error} retry={() => void job.refetch()} />
      </>
    );
  const j = job.data;
  if (!j) return <Result status="404" title={<h1 style={{ fontSize: 22 }}>{t('detail.notFound', { id: taskId })}</h1>} extra={back} />;
  const view = params.get('view') === 'rule' ? 'rule' : 'resource';
  const canRetry = j.task_type === 'cluster_scan' && j.task_status === 'finished' && (j.cluster_scan_info?.failed_cluster_num ?? 0) > 0;
  return (
    <>
      <PageTitle
        extra={
          <Space wrap>
            {back}
            {canRetry ? (
              <Button loading={retry.isPending} onClick={() => retry.mutate()}>
                {t('retry')}
              </Button>
            ) : null}
            <Button icon={<ReloadOutlined />} onClick={() => void queryClient.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('job') })}>
              {t('refresh')}
            </Button>
          </Space>
        }
      >
        {t('detail.title', { name: j.task_name })}
      </PageTitle>
      <Card style={{ marginBottom: 16 }}>
        <Descriptions
          size="small"
          column={{ xs: 1, md: 2, xl: 3 }}
          items={[
            { key: 'id', label: t('detail.id'), children: <Typography.Text code>{j.task_id}</Typography.Text> },
            { key: 'type', label: t('detail.type'), children: t(`taskTypeOne.${j.task_type}`) },
            { key: 'status', label: t('col.status'), children: <span data-testid="job-status"><StatusTag tone={JOB_STATUS_TONE[j.task_status]}>{t(`status.${j.task_status}`)}</StatusTag></span> },
            { key: 'trigger', label: t('col.trigger'), children: t(`trigger.${j.trigger_type}`) },
            { key: 'items', label: t('col.items'), children: <JobScope job={j} /> },
            { key: 'progress', label: t('col.progress'), children: <JobProgress job={j} /> },
            { key: 'start', label: t('col.start'), children: formatTime(j.start_time) },
            { key: 'end', label: t('col.end'), children: formatTime(j.end_time) },
            ...(j.task_status === 'finished' ? [] : [{ key: 'eta', label: t('col.estimated'), children: t('minutes', { count: j.estimated_time }) }]),
          ]}
        />
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('detail.resources')}</h2>} style={{ marginBottom: 16 }}>
        <Resources job={j} />
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('detail.findings')}</h2>}>
        <Tabs
          activeKey={view}
          onChange={(key) =>
            setParams((prev) => {
              const next = new URLSearchParams(prev);
              if (key === 'rule') next.set('view', 'rule');
              else next.delete('view');
              return next;
            })
          }
          items={[
            { key: 'resource', label: t('detail.byObject'), children: view === 'resource' ? <ObjectGroups job={j} /> : null },
            { key: 'rule', label: t('detail.byRule'), children: view === 'rule' ? <RuleGroups job={j} /> : null },
          ]}
        />
      </Card>
    </>
  );
}
