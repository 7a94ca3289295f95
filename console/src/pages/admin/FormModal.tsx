import type { ReactNode } from 'react';
import { Alert, Form, Modal, type FormInstance } from 'antd';
import { useTranslation } from 'react-i18next';

/** A modal form that creates something: the API's refusal shown above the fields, validated values handed to onSubmit. */
export function FormModal<T>({
  open,
  title,
  form,
  pending,
  error,
  onCancel,
  onSubmit,
  children,
}: {
  open: boolean;
  title: string;
  form: FormInstance<T>;
  pending: boolean;
  error: unknown;
  onCancel(): void;
  onSubmit(values: T): void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      open={open}
      title={title}
      okText={title}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: pending }}
      onCancel={onCancel}
      onOk={() => void form.validateFields().then(onSubmit)}
      destroyOnHidden
    >
      {error ? <Alert role="alert" type="error" showIcon title={(error as Error).message} style={{ marginBottom: 16 }} /> : null}
      <Form form={form} layout="vertical">
        {children}
      </Form>
    </Modal>
  );
}
