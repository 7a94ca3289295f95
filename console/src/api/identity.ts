import { api, get, type Query } from './client';
import { loadSession, saveSession, type Session } from '../auth/session';

interface TokenBody {
  token: {
    expires_at: string;
    user: { id: string; name: string; domain: { id: string; name: string } };
    project: { id: string; name: string; domain: { id: string; name: string } };
  };
}

async function issue(body: unknown, enterpriseProjectId = '0'): Promise<Session> {
  const response = await fetch('/v3/auth/tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      const err = (await response.json()) as { error_msg?: string; error?: { message?: string } };
      message = err.error_msg ?? err.error?.message ?? message;
    } catch {
      /* not JSON */
    }
    throw new Error(message);
  }
  const token = response.headers.get('x-subject-token');
  if (!token) throw new Error('The server answered without a token');
  const b = (await response.json()) as TokenBody;
  const session: Session = {
    token,
    expiresAt: Date.parse(b.token.expires_at),
    user: { id: b.token.user.id, name: b.token.user.name },
    domain: b.token.user.domain,
    project: { id: b.token.project.id, name: b.token.project.name },
    enterpriseProjectId,
  };
  saveSession(session);
  return session;
}

/** The IAM password flow (POST /v3/auth/tokens), as SDK users sign in. */
export function signInWithPassword(input: { account: string; userName: string; password: string; project?: string }): Promise<Session> {
  const project = input.project?.trim();
  return issue({
    auth: {
      identity: { methods: ['password'], password: { user: { name: input.userName.trim(), password: input.password, domain: { name: input.account.trim() } } } },
      // Without a project the server scopes the token to the user's first project; the header's switcher changes it.
      ...(project ? { scope: { project: { name: project } } } : {}),
    },
  });
}

/** A token for the same user in another project (Keystone re-scoping with the current token). */
export function switchProject(projectId: string): Promise<Session> {
  const current = loadSession();
  if (!current) throw new Error('Not signed in');
  return issue({ auth: { identity: { methods: ['token'], token: { id: current.token } }, scope: { project: { id: projectId } } } });
}

export function setEnterpriseProject(id: string): void {
  const current = loadSession();
  if (current) saveSession({ ...current, enterpriseProjectId: id });
}

export interface ProjectRef {
  id: string;
  name: string;
  enabled?: boolean;
}

export const listMyProjects = () => get<{ projects: ProjectRef[] }>('/v3/auth/projects');

export interface EnterpriseProject {
  id: string;
  name: string;
  description?: string;
  status?: number;
}

export const listEnterpriseProjects = (query?: Query) =>
  api<{ enterprise_projects: EnterpriseProject[]; total_count: number }>('GET', '/v1.0/enterprise-projects', { query: { limit: 1000, ...query } });
