import type { ReactNode } from 'react';
import { Tag } from 'antd';

export type Tone = 'success' | 'error' | 'processing' | 'warning' | 'default';

/** Solid, dark tones: white text on them keeps a 4.5:1 contrast (antd's light preset tags do not). */
const TONES: Record<Tone, string> = { success: '#237804', error: '#a8071a', processing: '#1f5fbf', warning: '#874d00', default: '#595959' };

/** A status word as a tag that passes the contrast check. */
export function StatusTag({ tone, children }: { tone: Tone | undefined; children: ReactNode }) {
  return <Tag color={TONES[tone ?? 'default']}>{children}</Tag>;
}
