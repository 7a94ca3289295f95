/**
 * The signed-in session. It lives in sessionStorage: it is the tab's, gone
 * when the tab closes, never in localStorage and never in a URL.
 */
export interface Session {
  token: string;
  /** epoch ms */
  expiresAt: number;
  user: { id: string; name: string };
  domain: { id: string; name: string };
  project: { id: string; name: string };
  /** HSS enterprise_project_id the console sends: "0" (default), "all_granted_eps" or an id. */
  enterpriseProjectId: string;
}

const KEY = 'openhss.session';
type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    return typeof session.token === 'string' && session.project?.id ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.removeItem(ENDED);
  sessionStorage.setItem(KEY, JSON.stringify(session));
  for (const l of listeners) l(session);
}

const ENDED = 'openhss.ended';

/**
 * Why the tab's last session ended ("expired" or "signed-out"), kept in the
 * tab's sessionStorage (no secret in it) so that the shell's guard says
 * "expired" even when the refusal came before a reload or a typed URL.
 */
export const lastSessionEnd = () => sessionStorage.getItem(ENDED);

export function clearSession(reason: 'expired' | 'signed-out' = 'signed-out'): void {
  sessionStorage.setItem(ENDED, reason);
  sessionStorage.removeItem(KEY);
  for (const l of listeners) l(null);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const isExpired = (session: Session, now = Date.now()) => session.expiresAt <= now;
