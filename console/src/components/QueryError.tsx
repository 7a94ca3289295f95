import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';

/** A failed request, said plainly, with a retry. */
export function QueryError({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert
      role="alert"
      type="error"
      showIcon
      style={{ marginBottom: 16 }}
      title={t('common.error', { message: (error as Error).message })}
      action={retry ? <Button onClick={retry}>{t('common.retry')}</Button> : undefined}
    />
  );
}
