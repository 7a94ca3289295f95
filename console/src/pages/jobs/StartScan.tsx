import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Alert, App, Checkbox, Form, Input, Modal, Radio, Select, Upload, type UploadFile } from 'antd';
import { InboxOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { CLUSTER_SCAN_TYPES, createJob, IAC_FILE_TYPES, jobsKey, listClusters, uploadIacFiles, type TaskType, useScope } from './api';

/**
 * A check group needs one item ticked. Not `required`: antd would put
 * aria-required on the group's div, which has no role that allows it.
 */
export const atLeastOne = (message: string) => ({
  validator: async (_: unknown, v: unknown[] | undefined) => {
    if (!v || v.length === 0) throw new Error(message);
  },
});

function useStarted(taskType: TaskType, onClose: () => void) {
  const { t } = useTranslation('jobs');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return (name: string) => {
    void message.success(t('started', { name }));
    void queryClient.invalidateQueries({ queryKey: jobsKey });
    onClose();
    navigate(`/jobs?task_type=${taskType}`);
  };
}

/** CreateTask for clusters: scan items, and every registered cluster or the ones chosen. */
export function ClusterScanModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation('jobs');
  const [form] = Form.useForm<{ task_name?: string; scan_type_list: string[]; range_type: 'all_cluster' | 'specific_cluster'; cluster_id_list?: string[] }>();
  const range = Form.useWatch('range_type', form);
  const scope = useScope();
  const clusters = useQuery({ queryKey: ['clusters', ...scope, 'all'], queryFn: () => listClusters({ limit: 200 }), enabled: open });
  const started = useStarted('cluster_scan', onClose);
  const create = useMutation({
    mutationFn: async (v: { task_name?: string; scan_type_list: string[]; range_type: 'all_cluster' | 'specific_cluster'; cluster_id_list?: string[] }) => {
      const name = v.task_name?.trim();
      await createJob({
        task_type: 'cluster_scan',
        ...(name ? { task_name: name } : {}),
        cluster_scan_info: { scan_type_list: v.scan_type_list, range_type: v.range_type, ...(v.range_type === 'specific_cluster' ? { cluster_id_list: v.cluster_id_list ?? [] } : {}) },
      });
      return name ?? t('taskTypeOne.cluster_scan');
    },
    onSuccess: (name) => {
      form.resetFields();
      started(name);
    },
  });
  const none = clusters.data?.total_num === 0;
  return (
    <Modal
      open={open}
      title={t('clusterScan.title')}
      okText={t('clusterScan.submit')}
      cancelText={t('common:common.cancel')}
      okButtonProps={{ disabled: none, loading: create.isPending }}
      onCancel={onClose}
      onOk={() => void form.validateFields().then((v) => create.mutate(v))}
      destroyOnHidden
    >
      {none ? <Alert type="info" showIcon title={t('clusterScan.noClusters')} style={{ marginBottom: 16 }} /> : null}
      {create.error ? <Alert role="alert" type="error" showIcon title={(create.error as Error).message} style={{ marginBottom: 16 }} /> : null}
      <Form form={form} layout="vertical" initialValues={{ scan_type_list: ['cluster_vul', 'risk_assessment', 'benchmark'], range_type: 'all_cluster' }}>
        <Form.Item name="task_name" label={t('clusterScan.name')}>
          <Input placeholder={t('clusterScan.namePlaceholder')} maxLength={256} />
        </Form.Item>
        <Form.Item name="scan_type_list" label={t('clusterScan.items')} rules={[atLeastOne(t('common:signIn.required'))]}>
          <Checkbox.Group options={CLUSTER_SCAN_TYPES.map((s) => ({ value: s, label: t(`scanType.${s}`) }))} />
        </Form.Item>
        <Form.Item name="range_type" label={t('clusterScan.range')}>
          <Radio.Group
            options={[
              { value: 'all_cluster', label: t('clusterScan.all') },
              { value: 'specific_cluster', label: t('clusterScan.specific') },
            ]}
          />
        </Form.Item>
        {range === 'specific_cluster' ? (
          <Form.Item name="cluster_id_list" label={t('clusterScan.clusters')} rules={[{ required: true, type: 'array', min: 1, message: t('common:signIn.required') }]}>
            <Select mode="multiple" loading={clusters.isLoading} options={clusters.data?.data_list.map((c) => ({ value: c.id, label: c.name }))} />
          </Form.Item>
        ) : null}
      </Form>
    </Modal>
  );
}

/** Uploads Dockerfiles or Kubernetes YAML (HSS's multipart batch upload), then CreateTask for them. */
export function IacScanModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation('jobs');
  const [form] = Form.useForm<{ task_name?: string; file_type: string }>();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [missing, setMissing] = useState(false);
  const started = useStarted('iac_scan', onClose);
  const create = useMutation({
    mutationFn: async (v: { task_name?: string; file_type: string }) => {
      const uploaded = await uploadIacFiles(
        files.map((f) => f.originFileObj as File),
        v.file_type,
      );
      const name = v.task_name?.trim();
      await createJob({ task_type: 'iac_scan', ...(name ? { task_name: name } : {}), iac_scan_info: { file_type: v.file_type, file_id_list: uploaded.map((u) => u.file_id) } });
      return name ?? t('taskTypeOne.iac_scan');
    },
    onSuccess: (name) => {
      form.resetFields();
      setFiles([]);
      started(name);
    },
  });
  return (
    <Modal
      open={open}
      title={t('iacScan.title')}
      okText={t('iacScan.submit')}
      cancelText={t('common:common.cancel')}
      okButtonProps={{ loading: create.isPending }}
      onCancel={onClose}
      onOk={() =>
        void form.validateFields().then((v) => {
          if (files.length === 0) return setMissing(true);
          create.mutate(v);
        })
      }
      destroyOnHidden
    >
      {create.error ? <Alert role="alert" type="error" showIcon title={(create.error as Error).message} style={{ marginBottom: 16 }} /> : null}
      <Form form={form} layout="vertical" initialValues={{ file_type: 'k8s_yaml' }}>
        <Form.Item name="task_name" label={t('clusterScan.name')}>
          <Input placeholder={t('clusterScan.namePlaceholder')} maxLength={256} />
        </Form.Item>
        <Form.Item name="file_type" label={t('iacScan.fileType')}>
          <Radio.Group options={IAC_FILE_TYPES.map((s) => ({ value: s, label: t(`fileType.${s}`) }))} />
        </Form.Item>
        <Form.Item label={t('iacScan.files')} required validateStatus={missing ? 'error' : undefined} help={missing ? t('iacScan.needFiles') : undefined}>
          <Upload.Dragger
            multiple
            fileList={files}
            beforeUpload={() => false}
            onChange={({ fileList }) => {
              setFiles(fileList);
              if (fileList.length > 0) setMissing(false);
            }}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">{t('iacScan.drop')}</p>
            <p className="ant-upload-hint" style={{ color: '#595959' }}>
              {t('iacScan.dropHint')}
            </p>
          </Upload.Dragger>
        </Form.Item>
      </Form>
    </Modal>
  );
}
