import type { K8sObject } from '../../rules/types.js';
import { ClusterScanError } from '../errors.js';
import { buildSnapshot, isSnapshotKind, versionFrom, type ClusterSnapshot, type ClusterVersion } from '../snapshot.js';
import { splitJsonDocuments } from './json-documents.js';

/**
 * Reads an offline snapshot. Accepted, alone or concatenated (documented in
 * the README, "Clusters: what runs against what"):
 * - `kubectl get <kinds> -A -o json`: `{kind: "List", items: [...]}`;
 * - a typed list as the API gives it (`kubectl get --raw /api/v1/pods`):
 *   `{kind: "PodList", apiVersion: "v1", items: [...]}`, items without kind;
 * - a single object of a scanned kind (`kubectl get deploy x -o json`);
 * - the control-plane version, in any of three forms: `kubectl version -o json`
 *   (`{serverVersion: {...}}`), `kubectl get --raw /version` (`{gitVersion, major, minor, platform}`),
 *   or an item `{kind: "Version", gitVersion, major, minor, platform}` inside a List;
 * - a wrapper `{version: {...}, items: [...]}`;
 * - a JSON array of any of the above.
 * Kinds a scan does not read (Secrets, ConfigMaps, ...) are dropped unread.
 */
export function parseSnapshot(input: string | Buffer): ClusterSnapshot {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  let documents: Array<{ text: string; offset: number }>;
  try {
    documents = splitJsonDocuments(text);
  } catch (err) {
    throw new ClusterScanError('invalid-input', `the snapshot is not JSON: ${(err as Error).message}`);
  }
  if (documents.length === 0) throw new ClusterScanError('invalid-input', 'the snapshot is empty');
  const objects: K8sObject[] = [];
  const state: { version: ClusterVersion | null } = { version: null };
  for (const document of documents) {
    let value: unknown;
    try {
      value = JSON.parse(document.text);
    } catch (err) {
      throw new ClusterScanError('invalid-input', `the snapshot is not JSON at offset ${document.offset}: ${(err as Error).message}`);
    }
    collect(value, objects, state, `document at offset ${document.offset}`);
  }
  return buildSnapshot(objects, state.version);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function setVersion(state: { version: ClusterVersion | null }, raw: unknown, where: string): void {
  const version = versionFrom(raw);
  if (version === null) throw new ClusterScanError('invalid-input', `${where}: a version without gitVersion`);
  state.version = version;
}

function collect(value: unknown, objects: K8sObject[], state: { version: ClusterVersion | null }, where: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => collect(v, objects, state, `${where}, element ${i}`));
    return;
  }
  if (!isObject(value)) throw new ClusterScanError('invalid-input', `${where}: expected an object`);
  if ('serverVersion' in value && !('kind' in value)) {
    setVersion(state, value.serverVersion, where);
    return;
  }
  if (value.kind === 'Version' || (!('kind' in value) && typeof value.gitVersion === 'string')) {
    setVersion(state, value, where);
    return;
  }
  if (Array.isArray(value.items)) {
    if ('version' in value && value.version !== null && value.version !== undefined) setVersion(state, value.version, where);
    const listKind = typeof value.kind === 'string' && value.kind.endsWith('List') && value.kind !== 'List' ? value.kind.slice(0, -4) : undefined;
    const listApiVersion = typeof value.apiVersion === 'string' && listKind !== undefined ? value.apiVersion : undefined;
    value.items.forEach((item, i) => {
      const itemWhere = `${where}, item ${i}`;
      if (!isObject(item)) throw new ClusterScanError('invalid-input', `${itemWhere}: expected an object`);
      if (item.kind === 'Version') {
        setVersion(state, item, itemWhere);
        return;
      }
      const object: Record<string, unknown> = { ...item };
      if (object.kind === undefined && listKind !== undefined) object.kind = listKind;
      if (object.apiVersion === undefined && listApiVersion !== undefined) object.apiVersion = listApiVersion;
      pushObject(object, objects, itemWhere);
    });
    return;
  }
  if (typeof value.kind === 'string') {
    pushObject(value, objects, where);
    return;
  }
  throw new ClusterScanError('invalid-input', `${where}: neither a List, a Kubernetes object nor a version`);
}

function pushObject(object: Record<string, unknown>, objects: K8sObject[], where: string): void {
  if (typeof object.kind !== 'string') throw new ClusterScanError('invalid-input', `${where}: an item without kind`);
  if (!isSnapshotKind(object.kind)) return;
  const metadata = object.metadata;
  if (!isObject(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new ClusterScanError('invalid-input', `${where}: a ${object.kind} without metadata.name`);
  }
  objects.push(object as K8sObject);
}
