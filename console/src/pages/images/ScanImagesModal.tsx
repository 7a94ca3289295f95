import { App, Form, Input, InputNumber, Modal, Typography } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Query } from '../../api/client';
import { createImageScan, type ImageSource } from './api';

export interface ScanSelection {
  source: ImageSource;
  /** The images picked, or null for every image the filters select (is_all + query_info). */
  ids: number[] | null;
  queryInfo: Query;
  count: number;
}

/** Asks for the rate limit (and a name), then creates the HSS image scan task and opens it in the task list. */
export function ScanImagesModal({ selection, onClose }: { selection: ScanSelection | null; onClose(): void }) {
  const { t } = useTranslation('images');
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ rate_limit: number; task_name?: string }>();
  const scan = useMutation({
    mutationFn: (v: { rate_limit: number; task_name?: string }) =>
      createImageScan(selection!.source, {
        rate_limit: v.rate_limit ?? 0,
        ...(v.task_name?.trim() ? { task_name: v.task_name.trim() } : {}),
        ...(selection!.ids ? { image_info: selection!.ids.map((id) => ({ id })) } : { is_all: true, query_info: selection!.queryInfo }),
      }),
    onSuccess: async (taskId) => {
      onClose();
      await queryClient.invalidateQueries({ queryKey: ['images'] });
      await queryClient.invalidateQueries({ queryKey: ['image-scan-tasks'] });
      if (!taskId) {
        message.warning(t('scan.nothing'));
        return;
      }
      message.success(t('scan.started', { id: taskId }));
      void navigate(`/images/tasks?task_id=${encodeURIComponent(taskId)}`);
    },
    onError: (err) => message.error(t('common:common.error', { message: (err as Error).message })),
  });
  return (
    <Modal
      open={selection !== null}
      title={t('scan.title')}
      okText={t('scan.start')}
      cancelText={t('common:common.cancel')}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={scan.isPending}
      destroyOnHidden
    >
      {selection ? (
        <Form form={form} layout="vertical" initialValues={{ rate_limit: 0 }} onFinish={(v) => scan.mutate(v)} preserve={false}>
          <Form.Item label={t('scan.what')}>
            <Typography.Text>{selection.ids ? t('scan.whatSelected', { count: selection.count }) : t('scan.whatAll', { count: selection.count })}</Typography.Text>
          </Form.Item>
          <Form.Item name="rate_limit" label={t('scan.rateLimit')}>
            <InputNumber min={0} max={1000} precision={0} style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="task_name" label={t('scan.taskName')}>
            <Input maxLength={256} />
          </Form.Item>
        </Form>
      ) : null}
    </Modal>
  );
}
