import { Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

const COLOR: Record<string, string> = {
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
  const tag = <Tag color={COLOR[status] ?? 'default'}>{t(`scanStatus.${status}`, { defaultValue: status })}</Tag>;
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
