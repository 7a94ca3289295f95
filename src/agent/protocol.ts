/**
 * The wire contract between `openhss agent` and the server, under
 * `/agent/v1`. Both sides import this file, so a change here is a change of
 * protocol: bump AGENT_PROTOCOL_VERSION when it stops being compatible.
 *
 * Routes (all JSON; times are epoch ms):
 *   POST /agent/v1/enroll              public; body EnrollRequest → 201 EnrollResponse.
 *                                      A used, expired or unknown token → 401 APIGW.0301.
 *   PUT  /agent/v1/identity            body HostIdentity → 200 {}  (hostname, IPs, OS, kernel changed)
 *   POST /agent/v1/inventory           body: gzip of JSON InventoryUpload, with
 *                                      `Content-Type: application/json` and `Content-Encoding: gzip`
 *                                      → 200 InventoryAccepted. Malformed → 400 HSS.0001, old inventory kept.
 *   POST /agent/v1/inventory/unchanged body InventoryUnchanged → 200 InventoryAccepted, or
 *                                      409 HSS.0014 when the server does not hold that hash (send it in full).
 *   GET  /agent/v1/commands?wait_ms=N  long-poll, N 0–30000 (default 25000) → 200 CommandBatch
 *                                      (empty `commands` when nothing arrived in time). Every poll
 *                                      counts as a heartbeat: it is what makes the agent "online".
 *   POST /agent/v1/images              body: gzip of JSON ImageReport (same encoding and caps as the
 *                                      inventory) → 200 ImageReportAccepted. Malformed → 400 HSS.0001,
 *                                      the host's previous image list kept.
 *   POST /agent/v1/k8s-node            body KubernetesNodeReport → 200 KubernetesNodeAccepted: the CIS
 *                                      node controls decided on this host, a Kubernetes node. Sent at
 *                                      start and with each inventory, only by agents on Kubernetes nodes;
 *                                      replaces the host's previous report. Malformed → 400 HSS.0001.
 *
 * Local images: the agent analyses every image on its host itself (only the
 * inventory leaves the host, never an image byte) and reports the complete
 * list each time — at start, at every inventory interval and when a command
 * `images` asks. Each image carries the content_hash of its inventory; the
 * inventory itself is inlined only when the agent has no record of the
 * server accepting that hash. When the report names a hash the server does
 * not hold, nothing is applied and the answer is `{applied: false, needed:
 * [image_digest…]}`: the agent sends the same report again with those
 * inventories inlined. So an unchanged image costs a hash per report, and a
 * lost server database costs one extra round trip.
 *
 * Every route but enroll takes `Authorization: OpenHSS-Agent <agent_id>:<agent_secret>`.
 * A deleted host or a wrong secret → 401 APIGW.0301: the agent should stop, not retry.
 */
import { createHash } from 'node:crypto';
import type { ApkPackage, DebPackage, LanguagePackage, OsRelease, Package, RpmPackage } from '../domain/package.js';

export const AGENT_PROTOCOL_VERSION = 1;
export const AGENT_AUTH_SCHEME = 'OpenHSS-Agent';

/** Largest inventory upload accepted, compressed and decompressed. */
export const MAX_INVENTORY_GZIP_BYTES = 16 * 1024 * 1024;
export const MAX_INVENTORY_JSON_BYTES = 128 * 1024 * 1024;
/** Longest long-poll the server holds open. */
export const MAX_COMMAND_WAIT_MS = 30_000;

/** What the agent says about the machine it runs on. */
export interface HostIdentity {
  /** Stable machine id (e.g. /etc/machine-id); the server derives host_id from it when present. */
  machine_id?: string;
  host_name: string;
  /** Every non-loopback address, IPv4 first. */
  ips: string[];
  os_type: 'Linux' | 'Windows';
  /** e.g. "Debian GNU/Linux 12 (bookworm)". */
  os_name: string;
  os_version: string;
  kernel: string;
  agent_version: string;
}

export interface EnrollRequest {
  token: string;
  identity: HostIdentity;
}

export interface EnrollResponse {
  agent_id: string;
  host_id: string;
  /** Shown once; the agent stores it 0600 and the server keeps only a hash. */
  agent_secret: string;
  /** How often the agent should upload even when not asked (ms). */
  inventory_interval_ms: number;
  /** The long-poll wait the agent should ask for (ms). */
  poll_wait_ms: number;
}

export interface InventoryDocument {
  os: OsRelease | null;
  packages: Package[];
}

/** A field a client may leave out; completePackage() fills it in. */
type Omittable<P, K extends keyof P> = Omit<P, K> & Partial<Pick<P, K>>;

/**
 * A package as a client may send it (src/api/schemas/inventory.ts): the
 * type-specific fields a package manager itself can do without are optional.
 */
export type WirePackage =
  | Omittable<DebPackage, 'architecture' | 'source'>
  | Omittable<ApkPackage, 'architecture' | 'origin'>
  | Omittable<RpmPackage, 'architecture' | 'epoch' | 'release' | 'sourceRpm'>
  | LanguagePackage;

/** An inventory as a client may send it; completeInventory() makes it the engine's. */
export interface WireInventoryDocument {
  os: OsRelease | null;
  packages: WirePackage[];
}

/**
 * The engine's package from a wire one, with the defaults the package
 * managers apply: a deb without a Source field is its own source (dpkg), an
 * apk without an origin is its own aport (abuild), an rpm's epoch and
 * release are those of its EVR.
 */
export function completePackage(p: WirePackage): Package {
  switch (p.type) {
    case 'deb':
      return { ...p, architecture: p.architecture ?? 'unknown', source: p.source ?? { name: p.name, version: p.version } };
    case 'apk':
      return { ...p, architecture: p.architecture ?? 'unknown', origin: p.origin ?? p.name };
    case 'rpm': {
      const evr = /^(?:(\d+):)?.*?(?:-([^-]*))?$/.exec(p.version)!;
      return { ...p, architecture: p.architecture ?? 'unknown', epoch: p.epoch ?? (evr[1] === undefined ? null : Number(evr[1])), release: p.release ?? evr[2] ?? '', sourceRpm: p.sourceRpm ?? '' };
    }
    default:
      return p;
  }
}

export function completeInventory(document: WireInventoryDocument): InventoryDocument {
  return { os: document.os, packages: document.packages.map(completePackage) };
}

/** An InventoryUpload as the server accepts it, from any client: packages as WirePackage. */
export type ReceivedInventoryUpload = Omit<InventoryUpload, 'packages'> & WireInventoryDocument;

export interface InventoryUpload extends InventoryDocument {
  /** inventoryHash() of `os` and `packages`; the server recomputes it and refuses a mismatch. */
  content_hash: string;
  collected_at: number;
  warnings: string[];
  /**
   * Directories and files skipped because they could not be read (each named
   * in `warnings`). Optional: agents before it was added do not send it.
   */
  skipped_paths?: number;
  /** Set when the upload answers a command. */
  command_id?: string;
}

export interface InventoryUnchanged {
  content_hash: string;
  collected_at: number;
  command_id?: string;
}

export interface InventoryAccepted {
  /** False when the content hash equals the stored one. */
  changed: boolean;
  content_hash: string;
}

/** `images`: report the host's local images now (a local image scan is waiting for them). */
export type AgentCommandType = 'collect_inventory' | 'images';

export interface AgentCommand {
  id: string;
  type: AgentCommandType;
  issued_at: number;
}

export interface CommandBatch {
  commands: AgentCommand[];
}

/** A deterministic JSON text: object keys sorted, so equal data hashes equally on both sides. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const packageKey = (p: WirePackage): string => `${p.type}\u0000${p.name}\u0000${p.version}\u0000${p.location.path}`;

/** The content hash of an inventory: sha256 hex over canonical JSON of the OS and the packages in a fixed order. */
export function inventoryHash(document: WireInventoryDocument): string {
  const packages = [...document.packages].sort((a, b) => {
    const ka = packageKey(a);
    const kb = packageKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return createHash('sha256').update(canonicalJson({ os: document.os, packages })).digest('hex');
}

/** Caps of an image report; the byte caps are the inventory's. */
export const MAX_REPORTED_IMAGES = 5_000;
export const MAX_IMAGE_TAGS = 256;
export const MAX_IMAGE_CONTAINERS = 2_000;

export type LocalImageSource = 'docker' | 'podman' | 'dir';

/** A container made from the image, with its Kubernetes pod when the runtime labels say so. */
export interface ReportedContainer {
  id: string;
  name: string;
  /** From the io.kubernetes.pod.* labels; '' when the container is not in a pod. */
  pod_id: string;
  pod_name: string;
  namespace: string;
  cluster_id: string;
}

/** One local image. Untagged images carry one tag `{name: '<none>', version: '<none>'}`. */
export interface ReportedImage {
  /** The config digest (`docker images --no-trunc` IMAGE ID): sha256:<64 hex>. */
  image_id: string;
  /** The repository (manifest) digest when known, else image_id. */
  image_digest: string;
  repo_tags: Array<{ name: string; version: string }>;
  /** Bytes, as the runtime counts them (the archive's size for directories). */
  size: number;
  /** Epoch ms the image was built, when known. */
  created: number | null;
  source: LocalImageSource;
  containers: ReportedContainer[];
  /** imageContentHash() (image-content-hash.ts) of the image's inventory. */
  content_hash: string;
  /** Omitted when the agent believes the server holds `content_hash` already. */
  inventory?: InventoryDocument;
}

export interface ImageReport {
  collected_at: number;
  /** Every image on the host: one missing from the list is gone from the host. */
  images: ReportedImage[];
  warnings: string[];
  command_id?: string;
}

/** An ImageReport as the server accepts it, from any client: inventories of WirePackage. */
export type ReceivedImageReport = Omit<ImageReport, 'images'> & { images: Array<Omit<ReportedImage, 'inventory'> & { inventory?: WireInventoryDocument }> };

export interface ImageReportAccepted {
  /** False when inventories are missing: nothing changed, resend with `needed` inlined. */
  applied: boolean;
  /** image_digest of each image whose inventory the server needs. */
  needed: string[];
  images: number;
}

/** Most node controls a report can carry (the benchmark has 95 in sections 1 to 4). */
export const MAX_NODE_RESULTS = 500;

/** What the agent on a Kubernetes node found: each CIS control it decided there. */
export interface KubernetesNodeReport {
  /** The node's name in the cluster (kubelet --hostname-override, else the host name, lower case). */
  node_name: string;
  roles: Array<'control-plane' | 'etcd' | 'worker'>;
  /** e.g. "CIS Kubernetes Benchmark v1.10.0". */
  benchmark: string;
  collected_at: number;
  results: Array<{ id: string; status: 'passed' | 'failed' | 'not_evaluated'; message: string }>;
  warnings: string[];
}

export interface KubernetesNodeAccepted {
  node_name: string;
  results: number;
}
