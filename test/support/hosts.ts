import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { inventoryHash, type EnrollResponse, type HostIdentity, type InventoryUpload } from '../../src/agent/protocol.js';
import type { DebPackage, LanguagePackage, OsRelease, Package } from '../../src/domain/package.js';

export const DEBIAN_12: OsRelease = { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' };

export function identity(name: string, overrides: Partial<HostIdentity> = {}): HostIdentity {
  return { machine_id: `machine-${name}`, host_name: name, ips: ['10.0.0.7', 'fe80::1'], os_type: 'Linux', os_name: 'Debian GNU/Linux 12 (bookworm)', os_version: '12', kernel: '6.1.0-13-amd64', agent_version: 'test', ...overrides };
}

export function deb(name: string, version: string, source = name, sourceVersion = version): DebPackage {
  return { type: 'deb', name, version, architecture: 'amd64', source: { name: source, version: sourceVersion }, location: { path: 'var/lib/dpkg/status' } };
}

export function npm(name: string, version: string, path: string): LanguagePackage {
  return { type: 'npm', name, version, location: { path } };
}

export function inventoryOf(packages: Package[], os: OsRelease | null = DEBIAN_12, extra: Partial<InventoryUpload> = {}): InventoryUpload {
  return { os, packages, content_hash: inventoryHash({ os, packages }), collected_at: Date.now(), warnings: [], ...extra };
}

export const agentAuth = (creds: EnrollResponse) => ({ authorization: `OpenHSS-Agent ${creds.agent_id}:${creds.agent_secret}` });

export async function createEnrolmentToken(app: FastifyInstance, projectId: string, token: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/v5/${projectId}/openhss/agent-enrolment-tokens`, headers: { 'x-auth-token': token }, payload: body });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as { token: string }).token;
}

export async function enroll(app: FastifyInstance, token: string, id: HostIdentity): Promise<EnrollResponse> {
  const res = await app.inject({ method: 'POST', url: '/agent/v1/enroll', payload: { token, identity: id } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as EnrollResponse;
}

export function uploadInventory(app: FastifyInstance, creds: EnrollResponse, upload: InventoryUpload | Buffer) {
  const payload = Buffer.isBuffer(upload) ? upload : gzipSync(JSON.stringify(upload));
  return app.inject({ method: 'POST', url: '/agent/v1/inventory', headers: { ...agentAuth(creds), 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload });
}
