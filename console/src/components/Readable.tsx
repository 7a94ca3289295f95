import type { ReactNode } from 'react';
import { Typography } from 'antd';

/** Help text (Form.Item `extra`) in the body text colour: antd's grey fails the contrast check. */
export const readable = (text: ReactNode | undefined) => (text === undefined ? undefined : <Typography.Text>{text}</Typography.Text>);
