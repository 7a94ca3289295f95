import { api, del, get, post, put } from '../../api/client';

/** GET /v5/{project_id}/openhss/whoami: who the session is, and whether they administer the account. */
export interface WhoAmI {
  user: { id: string; name: string };
  domain: { id: string; name: string };
  project: { id: string; name: string };
  is_account_admin: boolean;
  enterprise_projects: Array<{ id: string; name: string }>;
  auth_method: 'token' | 'aksk';
}
export const WHOAMI_KEY = ['whoami'] as const;
export const whoami = () => get<WhoAmI>('/v5/{project_id}/openhss/whoami');

/** IAM AK/SK credentials (OS-CREDENTIAL). */
export interface Credential {
  user_id: string;
  access: string;
  status: 'active' | 'inactive';
  create_time: string;
  description: string;
  project_id: string;
  last_use_time: string | null;
}
export const listCredentials = () => get<{ credentials: Credential[] }>('/v3.0/OS-CREDENTIAL/credentials');
export const createCredential = (userId: string, description: string) =>
  api<{ credential: Credential & { secret: string } }>('POST', '/v3.0/OS-CREDENTIAL/credentials', { body: { credential: { user_id: userId, ...(description ? { description } : {}) } } });
export const setCredentialStatus = (access: string, status: 'active' | 'inactive') =>
  put<{ credential: Credential }>(`/v3.0/OS-CREDENTIAL/credentials/${encodeURIComponent(access)}`, { credential: { status } });
export const deleteCredential = (access: string) => del<void>(`/v3.0/OS-CREDENTIAL/credentials/${encodeURIComponent(access)}`);

/** IAM users of the account (the account's first user only). */
export interface User {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
  description: string;
  create_time: string;
  is_account_admin: boolean;
}
export const listUsers = () => get<{ users: User[] }>('/v3/users');
export const createUser = (user: { name: string; password: string; description?: string; enterprise_project_ids?: string[] }) => post<{ user: User & { project_ids: string[] } }>('/v3.0/OS-USER/users', { user });

/** Enterprise projects (EPS). */
export const createEnterpriseProject = (name: string, description: string) =>
  post<{ enterprise_project: { id: string; name: string } }>('/v1.0/enterprise-projects', { name, ...(description ? { description } : {}) });
export const grantEnterpriseProject = (epId: string, userId: string) => put<void>(`/v1.0/enterprise-projects/${encodeURIComponent(epId)}/users/${encodeURIComponent(userId)}`);

/** "Update now": queues a vulnerability DB update (the account's first user only). */
export const updateVulnDb = () => post<{ job_id: string | null; queued: boolean }>('/v5/{project_id}/openhss/vulnerability-db/update');
