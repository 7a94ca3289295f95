import { useEffect, useMemo, useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Flex, Form, InputNumber, Radio, Select, Skeleton, Space, Switch, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import './texts';
import { VUL_TYPES, type VulType } from '../../components/vulTypes';
import { PageTitle } from '../../components/PageTitle';
import { readable } from '../../components/Readable';
import { QueryError } from '../../components/QueryError';
import { formatTime } from '../../components/format';
import { ApiError } from '../../api/client';
import { getPolicy, POLICY_KEY, savePolicy, searchHosts, type ScanPeriod, type ScanPolicy, type ScanPolicyChange } from './api';

interface FormValues {
  status: boolean;
  scan_period: ScanPeriod;
  weekdays: number[];
  month_days: number[];
  hour_part: number;
  minute_part: number;
  timezone_offset: number;
  scan_vul_types: VulType[];
  scan_range_type: 'all_host' | 'specific_host';
  host_ids: string[];
}

const PERIODS: ScanPeriod[] = ['one_day', 'three_day', 'one_week', 'one_month'];

/** HSS's offset is minutes *behind* UTC (GMT+8 is -480), as JavaScript's getTimezoneOffset() gives it. */
export function utcLabel(offset: number): string {
  const east = -offset;
  const abs = Math.abs(east);
  return `UTC${east < 0 ? '−' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
const TIMEZONES = Array.from({ length: (840 + 720) / 15 + 1 }, (_, i) => 720 - i * 15).map((o) => ({ value: o, label: utcLabel(o) }));

function toForm(p: ScanPolicy): FormValues {
  return {
    status: p.status === 'open',
    scan_period: p.scan_period,
    weekdays: p.scan_period === 'one_week' ? p.time.day_part : [1],
    month_days: p.scan_period === 'one_month' ? p.time.day_part : [1],
    hour_part: p.time.hour_part,
    minute_part: p.time.minute_part,
    timezone_offset: p.time.timezone_offset,
    scan_vul_types: p.scan_vul_types,
    scan_range_type: p.scan_range_type,
    host_ids: p.host_ids,
  };
}

function toBody(v: FormValues): ScanPolicyChange {
  const dayPart = v.scan_period === 'one_week' ? v.weekdays : v.scan_period === 'one_month' ? v.month_days : undefined;
  return {
    status: v.status ? 'open' : 'close',
    scan_period: v.scan_period,
    scan_range_type: v.scan_range_type,
    scan_vul_types: v.scan_vul_types ?? [],
    ...(v.scan_range_type === 'specific_host' ? { host_ids: v.host_ids ?? [] } : {}),
    time: { ...(dayPart ? { day_part: dayPart } : {}), hour_part: v.hour_part, minute_part: v.minute_part, timezone_offset: v.timezone_offset },
  };
}

/** The API names the field it refuses ("body.time.hour_part must be <= 23", "host_ids must name…"): the form field it means. */
const API_FIELDS: Array<[string, keyof FormValues | 'day_part']> = [
  ['time.day_part', 'day_part'],
  ['time.hour_part', 'hour_part'],
  ['time.minute_part', 'minute_part'],
  ['time.timezone_offset', 'timezone_offset'],
  ['scan_vul_types', 'scan_vul_types'],
  ['host_ids', 'host_ids'],
  ['scan_range_type', 'scan_range_type'],
  ['scan_period', 'scan_period'],
  ['status', 'status'],
];
export function fieldOfError(message: string, period: ScanPeriod): keyof FormValues | undefined {
  const hit = API_FIELDS.find(([name]) => message.includes(name))?.[1];
  if (hit === 'day_part') return period === 'one_month' ? 'month_days' : 'weekdays';
  return hit;
}

function HostPicker({ value, onChange, id }: { value?: string[]; onChange?: (v: string[]) => void; id?: string }) {
  const { t } = useTranslation('policy');
  const [search, setSearch] = useState('');
  const [labels, setLabels] = useState<Record<string, string>>({});
  const hosts = useQuery({ queryKey: ['policy-hosts', search], queryFn: () => searchHosts(search), staleTime: 60_000 });
  useEffect(() => {
    if (!hosts.data) return;
    setLabels((prev) => {
      const next = { ...prev };
      for (const h of hosts.data.data_list) next[h.host_id] = h.private_ip ? `${h.host_name} (${h.private_ip})` : h.host_name;
      return next;
    });
  }, [hosts.data]);
  const options = useMemo(() => {
    const ids = new Set([...(value ?? []), ...(hosts.data?.data_list.map((h) => h.host_id) ?? [])]);
    return [...ids].map((id) => ({ value: id, label: labels[id] ?? id }));
  }, [value, hosts.data, labels]);
  return (
    <Select
      id={id}
      mode="multiple"
      showSearch={{ filterOption: false, onSearch: setSearch }}
      placeholder={t('hostsPlaceholder')}
      loading={hosts.isFetching}
      value={value}
      onChange={onChange}
      options={options}
      style={{ maxWidth: 640 }}
    />
  );
}

export default function PolicyPage() {
  const { t } = useTranslation('policy');
  // As the scheduler (src/services/policy-scheduler.ts) runs it: only an open policy, only in a project with hosts, at the slot the server computes.
  const nextText = (p: ScanPolicy) => {
    if (p.status !== 'open') return t('nextOff');
    if (p.time.next_scan_time <= 0) return t('nextNone');
    const time = formatTime(p.time.next_scan_time);
    return p.total_host_num === 0 && p.scan_range_type === 'all_host' ? t('nextNoHosts', { time }) : t('nextIn', { time });
  };
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  const policy = useQuery({ queryKey: POLICY_KEY, queryFn: getPolicy });
  const period = Form.useWatch('scan_period', form);
  const range = Form.useWatch('scan_range_type', form);

  useEffect(() => {
    if (policy.data) form.setFieldsValue(toForm(policy.data));
  }, [policy.data, form]);

  const save = useMutation({
    mutationFn: (values: FormValues) => savePolicy(toBody(values)),
    onSuccess: async () => {
      message.success(t('saved'));
      await queryClient.invalidateQueries({ queryKey: POLICY_KEY });
    },
    onError: (err, values) => {
      const text = err instanceof ApiError ? err.message : String(err);
      const field = fieldOfError(text, values.scan_period);
      if (field) form.setFields([{ name: field, errors: [text] }]);
      message.error(t('saveFailed', { message: text }));
    },
  });

  const p = policy.data;
  return (
    <>
      <PageTitle>{t('title')}</PageTitle>
      <QueryError error={policy.error} retry={() => void policy.refetch()} />
      {!p && policy.isLoading ? <Skeleton active /> : null}
      {p ? (
        <Flex vertical gap={16}>
          <Card size="small">
            <Flex wrap gap={32}>
              <div>
                <Typography.Text strong>{t('next')}: </Typography.Text>
                <span data-testid="next-scan-time">
                  {nextText(p)}
                </span>
              </div>
              <Typography.Text>{t('hostsCovered', { count: p.total_host_num })}</Typography.Text>
            </Flex>
          </Card>
          <Card size="small">
            <Alert type="info" showIcon title={t('intro')} style={{ marginBottom: 16 }} />
            <Form<FormValues> form={form} layout="vertical" onFinish={(v) => save.mutate(v)} initialValues={toForm(p)} style={{ maxWidth: 760 }}>
              <Form.Item name="status" label={t('field.status')} valuePropName="checked">
                <Switch checkedChildren={t('status.open')} unCheckedChildren={t('status.close')} />
              </Form.Item>
              <Form.Item name="scan_period" label={t('field.period')} extra={readable(period === 'three_day' ? t('threeDayNote') : undefined)}>
                <Radio.Group optionType="button" options={PERIODS.map((v) => ({ value: v, label: t(`period.${v}`) }))} />
              </Form.Item>
              {period === 'one_week' ? (
                <Form.Item name="weekdays" label={t('field.weekdays')}>
                  <Checkbox.Group options={[1, 2, 3, 4, 5, 6, 7].map((d) => ({ value: d, label: t(`weekday.${d}`) }))} />
                </Form.Item>
              ) : null}
              {period === 'one_month' ? (
                <Form.Item name="month_days" label={t('field.monthDays')}>
                  <Select mode="multiple" style={{ maxWidth: 480 }} options={Array.from({ length: 31 }, (_, i) => ({ value: i + 1, label: String(i + 1) }))} />
                </Form.Item>
              ) : null}
              <Space wrap align="start" size="large">
                <Form.Item name="hour_part" label={t('field.hour')}>
                  <InputNumber min={0} max={23} precision={0} />
                </Form.Item>
                <Form.Item name="minute_part" label={t('field.minute')}>
                  <InputNumber min={0} max={59} precision={0} />
                </Form.Item>
                <Form.Item name="timezone_offset" label={t('field.timezone')}>
                  <Select showSearch={{ optionFilterProp: 'label' }} options={TIMEZONES} style={{ width: 160 }} />
                </Form.Item>
              </Space>
              <Form.Item name="scan_vul_types" label={t('field.vulTypes')}>
                <Checkbox.Group options={VUL_TYPES.map((v) => ({ value: v, label: t(`vultypes:${v}`) }))} />
              </Form.Item>
              <Form.Item name="scan_range_type" label={t('field.range')}>
                <Radio.Group options={(['all_host', 'specific_host'] as const).map((v) => ({ value: v, label: t(`range.${v}`) }))} />
              </Form.Item>
              {range === 'specific_host' ? (
                <Form.Item name="host_ids" label={t('field.hosts')}>
                  <HostPicker />
                </Form.Item>
              ) : null}
              <Space>
                <Button type="primary" htmlType="submit" loading={save.isPending}>
                  {t('save')}
                </Button>
                <Button onClick={() => form.setFieldsValue(toForm(p))}>{t('reset')}</Button>
              </Space>
            </Form>
          </Card>
        </Flex>
      ) : null}
    </>
  );
}
