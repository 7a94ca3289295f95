import { Typography } from 'antd';
import { StatusTag, type Tone } from '../../components/StatusTag';
import { useTranslation } from 'react-i18next';

const TONE: Record<string, Tone> = {
  unscan: 'default',
  waiting_for_scan: 'processing',
  scanning: 'processing',
  success: 'success',
  failed: 'error',
  download_failed: 'error',
  image_oversized: 'warning',
  image_scan_stop: 'default',
};

/** An image's scan status; a failure shows its reason beside it. */
export function ScanStatusTag({ status, reason }: { status: string; reason?: string | undefined }) {
  const { t } = useTranslation('images');
  const tag = <StatusTag tone={TONE[status]}>{t(`scanStatus.${status}`, { defaultValue: status })}</StatusTag>;
  if (!reason) return tag;
  return (
    <span>
      {tag}
      <Typography.Text type="danger" style={{ fontSize: 12 }}>
        {reason}
      </Typography.Text>
    </span>
  );
}
