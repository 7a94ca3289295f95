import { useState } from 'react';
import { Alert, App, Button, Checkbox, Form, Input, Modal, Popconfirm, Radio, Select, Space, Table, TimePicker } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import dayjs from 'dayjs';
import { QueryError } from '../../components/QueryError';
import { emptyText } from '../../components/EmptyText';
import { formatTime } from '../../components/format';
import { atLeastOne } from './StartScan';
import { CLUSTER_SCAN_TYPES, createSchedule, deleteSchedule, listSchedules, type JobSchedule, useScope } from './api';

interface ScheduleForm {
  task_name?: string;
  scan_type_list: string[];
  period: 'daily' | 'weekly';
  weekday?: number;
  time: dayjs.Dayjs;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The time of a schedule in this browser's zone (schedules keep the zone they were made in). */
function localTime(s: JobSchedule): string {
  const utcMinutes = s.hour * 60 + s.minute + s.timezone_offset;
  const local = (((utcMinutes - new Date().getTimezoneOffset()) % 1440) + 1440) % 1440;
  return `${pad(Math.floor(local / 60))}:${pad(local % 60)}`;
}

function CreateModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation('jobs');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<ScheduleForm>();
  const period = Form.useWatch('period', form);
  const create = useMutation({
    mutationFn: (v: ScheduleForm) =>
      createSchedule({
        task_type: 'cluster_scan',
        ...(v.task_name?.trim() ? { task_name: v.task_name.trim() } : {}),
        cluster_scan_info: { scan_type_list: v.scan_type_list, range_type: 'all_cluster' },
        period: v.period,
        ...(v.period === 'weekly' ? { weekday: v.weekday ?? 1 } : {}),
        hour: v.time.hour(),
        minute: v.time.minute(),
        timezone_offset: new Date().getTimezoneOffset(),
      }),
    onSuccess: (r) => {
      void message.success(t('schedules.created', { time: formatTime(r.next_run_time) }));
      void queryClient.invalidateQueries({ queryKey: ['job-schedules'] });
      form.resetFields();
      onClose();
    },
  });
  const days = t('schedules.days', { returnObjects: true }) as string[];
  return (
    <Modal
      open={open}
      title={t('schedules.create')}
      okText={t('schedules.submit')}
      cancelText={t('common:common.cancel')}
      okButtonProps={{ loading: create.isPending }}
      onCancel={onClose}
      onOk={() => void form.validateFields().then((v) => create.mutate(v))}
      destroyOnHidden
    >
      {create.error ? <Alert role="alert" type="error" showIcon title={(create.error as Error).message} style={{ marginBottom: 16 }} /> : null}
      <Form form={form} layout="vertical" initialValues={{ scan_type_list: [...CLUSTER_SCAN_TYPES], period: 'daily', weekday: 1, time: dayjs().hour(2).minute(0) }}>
        <Form.Item label={t('schedules.taskType')}>
          <Input value={t('taskTypeOne.cluster_scan')} readOnly aria-label={t('schedules.taskType')} />
        </Form.Item>
        <Form.Item name="task_name" label={t('schedules.name')}>
          <Input placeholder={t('clusterScan.namePlaceholder')} maxLength={256} />
        </Form.Item>
        <Form.Item name="scan_type_list" label={t('clusterScan.items')} rules={[atLeastOne(t('common:signIn.required'))]}>
          <Checkbox.Group options={CLUSTER_SCAN_TYPES.map((s) => ({ value: s, label: t(`scanType.${s}`) }))} />
        </Form.Item>
        <Form.Item name="period" label={t('schedules.period')}>
          <Radio.Group
            options={[
              { value: 'daily', label: t('schedules.daily') },
              { value: 'weekly', label: t('schedules.weekly') },
            ]}
          />
        </Form.Item>
        {period === 'weekly' ? (
          <Form.Item name="weekday" label={t('schedules.weekday')}>
            <Select options={[1, 2, 3, 4, 5, 6, 7].map((d) => ({ value: d, label: days[d] }))} />
          </Form.Item>
        ) : null}
        <Form.Item name="time" label={t('schedules.time')} rules={[{ required: true, message: t('common:signIn.required') }]}>
          <TimePicker format="HH:mm" minuteStep={5} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Job schedules (openhss): cluster scans that run daily or weekly; list, create, delete. */
export default function Schedules() {
  const { t } = useTranslation('jobs');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const scope = useScope();
  const schedules = useQuery({ queryKey: ['job-schedules', ...scope], queryFn: listSchedules });
  const remove = useMutation({
    mutationFn: (s: JobSchedule) => deleteSchedule(s.id),
    onSuccess: () => {
      void message.success(t('schedules.deleted'));
      void queryClient.invalidateQueries({ queryKey: ['job-schedules'] });
    },
    onError: (err) => void message.error(t('common:common.error', { message: (err as Error).message })),
  });
  const days = t('schedules.days', { returnObjects: true }) as string[];
  const columns: ColumnsType<JobSchedule> = [
    { title: t('col.scheduleName'), dataIndex: 'task_name' },
    { title: t('schedules.taskType'), dataIndex: 'task_type', render: (v: string) => (v === 'image_scan' ? t('schedules.imageScan') : t(`taskTypeOne.${v}`, { defaultValue: v })) },
    {
      title: t('col.period'),
      key: 'period',
      render: (_, s) => (s.period === 'weekly' ? t('schedules.everyWeek', { day: days[s.weekday] ?? s.weekday, time: localTime(s) }) : t('schedules.every', { time: localTime(s) })),
    },
    { title: t('col.nextRun'), dataIndex: 'next_run_time', render: formatTime },
    {
      title: t('common:common.actions'),
      key: 'actions',
      render: (_, s) => (
        <Popconfirm title={t('schedules.deleteConfirm', { name: s.task_name })} okText={t('common:common.confirm')} cancelText={t('common:common.cancel')} onConfirm={() => remove.mutate(s)}>
          <Button danger size="small" aria-label={`${t('schedules.delete')} ${s.task_name}`}>
            {t('schedules.delete')}
          </Button>
        </Popconfirm>
      ),
    },
  ];
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen(true)}>
          {t('schedules.create')}
        </Button>
      </Space>
      <QueryError error={schedules.error} retry={() => void schedules.refetch()} />
      <Table<JobSchedule> rowKey="id" columns={columns} dataSource={schedules.data?.data_list} loading={schedules.isFetching && !schedules.data} locale={emptyText(t('schedules.empty'))} />
      <CreateModal open={open} onClose={() => setOpen(false)} />
    </>
  );
}
