import { forbidden } from '../domain/errors.js';
import type { Principal } from './auth-service.js';

export const DEFAULT_ENTERPRISE_PROJECT = '0';
export const ALL_GRANTED = 'all_granted_eps';

/**
 * The enterprise projects a request covers, following HSS: absent or "0"
 * is the default enterprise project, "all_granted_eps" every one the caller
 * holds, anything else that one enterprise project if it is granted.
 */
export function resolveEnterpriseScope(principal: Principal, requested: string | undefined): string[] {
  if (requested === undefined || requested === '' || requested === DEFAULT_ENTERPRISE_PROJECT) return [DEFAULT_ENTERPRISE_PROJECT];
  if (requested === ALL_GRANTED) return [DEFAULT_ENTERPRISE_PROJECT, ...principal.enterpriseProjects];
  if (principal.enterpriseProjects.includes(requested)) return [requested];
  throw forbidden(`Insufficient permissions on enterprise project ${requested}`);
}
