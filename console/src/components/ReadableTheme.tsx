import type { ReactNode } from 'react';
import { ConfigProvider } from 'antd';

/**
 * antd's default greys and status colours fall below WCAG AA contrast on
 * white (labels #8c8c8c 3.4:1, success text #52c41a 2.2:1, danger #ff4d4f
 * 3.3:1). Wrapped in this, a page (and its modals, through React context)
 * uses darker ones that reach 4.5:1. (App.tsx's theme now sets the same
 * tokens for the whole console.)
 */
export const READABLE_TOKENS = {
  colorTextDescription: '#595959',
  colorTextTertiary: '#595959',
  colorTextQuaternary: '#595959',
  colorTextPlaceholder: '#6e6e6e',
  colorSuccess: '#237804',
  colorError: '#cf1322',
  colorWarning: '#ad4e00',
};

export function ReadableTheme({ children }: { children: ReactNode }) {
  return <ConfigProvider theme={{ token: READABLE_TOKENS }}>{children}</ConfigProvider>;
}
