import { useSyncExternalStore } from 'react';
import { loadSession, onSessionChange, type Session } from '../auth/session';

let cached: Session | null = loadSession();
onSessionChange((s) => {
  cached = s;
});

/** The signed-in session, re-rendering when it changes (sign-in, project switch, sign-out). */
export function useSession(): Session | null {
  return useSyncExternalStore(
    (cb) => onSessionChange(() => cb()),
    () => cached,
  );
}
