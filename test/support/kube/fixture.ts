import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { K8sObject } from '../../../src/rules/types.js';

export const SNAPSHOT_FIXTURE = fileURLToPath(new URL('../../fixtures/cluster/snapshot.json', import.meta.url));

export function fixtureText(): string {
  return readFileSync(SNAPSHOT_FIXTURE, 'utf8');
}

/** The fixture's Kubernetes objects and its Version item, apart. */
export function fixtureParts(): { objects: K8sObject[]; version: Record<string, unknown> } {
  const list = JSON.parse(fixtureText()) as { items: K8sObject[] };
  const version = list.items.find((i) => i.kind === 'Version');
  if (version === undefined) throw new Error('the fixture has no Version item');
  const { kind: _kind, ...versionBody } = version;
  return { objects: list.items.filter((i) => i.kind !== 'Version'), version: versionBody };
}
