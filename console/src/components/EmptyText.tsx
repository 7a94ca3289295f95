import type { ReactNode } from 'react';
import { Typography } from 'antd';

/** A table's empty-state text in the body text colour (antd's default grey fails the contrast check). */
export const emptyText = (text: ReactNode) => ({ emptyText: <Typography.Text>{text}</Typography.Text> });
