import { useState } from 'react';
import { Alert, Button, Descriptions, Drawer, Flex, Form, Input, Select, Typography } from 'antd';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { createEnrolmentToken } from '../../api/hosts';
import { formatTime } from '../../components/format';
import './texts';

const TTLS = [1, 24, 24 * 7, 24 * 30];

/** Shell single-quoting, so the command can be pasted as is. */
const quote = (s: string) => (/^[A-Za-z0-9._:/@%+=-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/** The agent command for this server: the flags of `openhss agent` (src/cli/commands/agent.ts). */
export function agentCommands(origin: string, token: string): { env: string; flag: string } {
  return {
    env: `OPENHSS_AGENT_TOKEN=${quote(token)} openhss agent --server ${quote(origin)}`,
    flag: `openhss agent --server ${quote(origin)} --token ${quote(token)}`,
  };
}

/** Creates a one-time enrolment token and shows the exact agent command for this server. */
export function EnrolDrawer({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation('hosts');
  const [description, setDescription] = useState('');
  const [ttl, setTtl] = useState(24);
  const create = useMutation({ mutationFn: () => createEnrolmentToken({ ...(description.trim() ? { description: description.trim() } : {}), ttl_hours: ttl }) });
  const issued = create.data;
  const commands = issued ? agentCommands(window.location.origin, issued.token) : null;
  return (
    <Drawer open onClose={onClose} size={640} title={t('enrolTitle')} closable={{ 'aria-label': t('common:common.close') }}>
      <Typography.Paragraph>{t('enrolIntro')}</Typography.Paragraph>
      <Form layout="vertical" onFinish={() => create.mutate()} disabled={create.isPending || !!issued}>
        <Form.Item label={t('description')} htmlFor="enrol-description">
          <Input id="enrol-description" maxLength={256} placeholder={t('descriptionPlaceholder')} value={description} onChange={(e) => setDescription(e.target.value)} />
        </Form.Item>
        <Form.Item label={t('ttl')} htmlFor="enrol-ttl">
          <Select
            id="enrol-ttl"
            aria-label={t('ttl')}
            value={ttl}
            onChange={setTtl}
            style={{ width: 200 }}
            options={TTLS.map((h) => ({ value: h, label: h < 48 ? t('ttlHours', { count: h }) : t('ttlDays', { count: h / 24 }) }))}
          />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={create.isPending}>
          {t('createToken')}
        </Button>
      </Form>
      {create.error && <Alert role="alert" type="error" showIcon style={{ marginTop: 16 }} title={t('common:common.error', { message: create.error.message })} />}
      {issued && commands && (
        <Flex vertical gap={12} style={{ marginTop: 24 }} data-testid="enrolment">
          <Alert type="success" showIcon title={t('tokenCreated')} />
          <Descriptions
            size="small"
            column={1}
            bordered
            items={[
              { key: 'token', label: t('token'), children: <Typography.Text code copyable data-testid="enrol-token">{issued.token}</Typography.Text> },
              { key: 'exp', label: t('expires'), children: formatTime(issued.expires_at) },
            ]}
          />
          <Typography.Text>{t('command')}</Typography.Text>
          <Typography.Paragraph copyable={{ text: commands.env }} aria-label={t('commandLabel')}>
            <pre data-testid="enrol-command" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', margin: 0 }}>
              {commands.env}
            </pre>
          </Typography.Paragraph>
          <Typography.Text>{t('commandAlt')}</Typography.Text>
          <Typography.Paragraph copyable={{ text: commands.flag }}>
            <pre style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', margin: 0 }}>{commands.flag}</pre>
          </Typography.Paragraph>
          <Typography.Paragraph>{t('commandNote')}</Typography.Paragraph>
        </Flex>
      )}
    </Drawer>
  );
}
