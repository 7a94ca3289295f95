import { useState, type ReactNode } from 'react';
import { App, Input, Modal, Typography } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { changeVulStatus, type Operation } from '../../api/vulnerabilities';
import './texts';

export interface HandleRequest {
  op: Operation;
  type: string;
  title: string;
  data_list?: Array<{ vul_id: string; host_id_list: string[] }>;
  host_data_list?: Array<{ host_id: string; vul_id_list: string[] }>;
}

/** Query keys whose data a handling operation changes. */
export const HANDLING_AFFECTS = ['vulns', 'vul-facts', 'vul-detail', 'vul-hosts', 'host-vuls', 'host-facts', 'hosts', 'overview', 'scan-tasks'];

const pairsOf = (r: HandleRequest) =>
  (r.data_list ?? []).reduce((n, d) => n + d.host_id_list.length, 0) + (r.host_data_list ?? []).reduce((n, d) => n + d.vul_id_list.length, 0);

/**
 * HSS handling (PUT /vulnerability/status) behind a confirmation that says
 * what the operation does, with an optional remark; the result is a message.
 */
export function useHandleVuls(): { start(request: HandleRequest): void; dialog: ReactNode } {
  const { t } = useTranslation('vulnerabilities');
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [request, setRequest] = useState<HandleRequest | null>(null);
  const [remark, setRemark] = useState('');
  const mutation = useMutation({
    mutationFn: (r: HandleRequest) =>
      changeVulStatus({
        operate_type: r.op,
        type: r.type,
        ...(remark.trim() ? { remark: remark.trim() } : {}),
        ...(r.data_list ? { data_list: r.data_list } : {}),
        ...(r.host_data_list ? { host_data_list: r.host_data_list } : {}),
      }),
    onSuccess: async (_data, r) => {
      void message.success(t('done', { op: t(`op.${r.op}`), pairs: pairsOf(r) }));
      setRequest(null);
      setRemark('');
      await Promise.all(HANDLING_AFFECTS.map((key) => queryClient.invalidateQueries({ queryKey: [key] })));
    },
    onError: (err) => {
      void message.error(t('common:common.error', { message: (err as Error).message }));
    },
  });
  const dialog = (
    <Modal
      open={request !== null}
      title={request?.title}
      okText={request ? t(`op.${request.op}`) : ''}
      cancelText={t('common:common.cancel')}
      confirmLoading={mutation.isPending}
      onOk={() => request && mutation.mutate(request)}
      onCancel={() => {
        setRequest(null);
        setRemark('');
      }}
      destroyOnHidden
    >
      {request && <Typography.Paragraph>{t(`opHelp.${request.op}`)}</Typography.Paragraph>}
      <label htmlFor="handle-remark" style={{ display: 'block', marginBottom: 4 }}>
        {t('remark')}
      </label>
      <Input.TextArea id="handle-remark" rows={2} maxLength={512} value={remark} onChange={(e) => setRemark(e.target.value)} />
    </Modal>
  );
  return { start: (r) => setRequest(r), dialog };
}
