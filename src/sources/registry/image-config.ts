import { parseDigest } from './digest.js';
import { InvalidManifestError, type RegistryTarget } from './errors.js';

/** The parts of an image config (Docker v1 / OCI) the scanner uses. */
export interface ImageConfig {
  os: string;
  architecture: string;
  variant?: string;
  created?: string;
  /** Uncompressed layer digests, bottom first: `rootfs.diff_ids`. */
  diffIds: string[];
  config: {
    env: string[];
    entrypoint?: string[];
    cmd?: string[];
    workingDir?: string;
    user?: string;
    labels: Record<string, string>;
  };
  history: Array<{ created?: string; createdBy?: string; emptyLayer: boolean }>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function parseImageConfig(bytes: Uint8Array, target: RegistryTarget): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new InvalidManifestError(target, 'the image config is not valid JSON');
  }
  if (!isObject(doc)) throw new InvalidManifestError(target, 'the image config is not a JSON object');
  const rootfs = isObject(doc.rootfs) ? doc.rootfs : {};
  const diffIds = strings(rootfs.diff_ids) ?? [];
  const bad = diffIds.find((id) => !parseDigest(id));
  if (bad !== undefined) throw new InvalidManifestError(target, `the image config has an invalid diff_id ${JSON.stringify(bad)}`);
  const run = isObject(doc.config) ? doc.config : {};
  const labels: Record<string, string> = {};
  if (isObject(run.Labels)) for (const [k, v] of Object.entries(run.Labels)) if (typeof v === 'string') labels[k] = v;

  const config: ImageConfig = {
    os: str(doc.os) ?? '',
    architecture: str(doc.architecture) ?? '',
    diffIds,
    config: { env: strings(run.Env) ?? [], labels },
    history: (Array.isArray(doc.history) ? doc.history : []).filter(isObject).map((h) => {
      const entry: ImageConfig['history'][number] = { emptyLayer: h.empty_layer === true };
      const created = str(h.created);
      const createdBy = str(h.created_by);
      if (created !== undefined) entry.created = created;
      if (createdBy !== undefined) entry.createdBy = createdBy;
      return entry;
    }),
  };
  const optional = { variant: str(doc.variant), created: str(doc.created) };
  if (optional.variant) config.variant = optional.variant;
  if (optional.created) config.created = optional.created;
  const entrypoint = strings(run.Entrypoint);
  const cmd = strings(run.Cmd);
  if (entrypoint) config.config.entrypoint = entrypoint;
  if (cmd) config.config.cmd = cmd;
  if (str(run.WorkingDir)) config.config.workingDir = str(run.WorkingDir)!;
  if (str(run.User)) config.config.user = str(run.User)!;
  return config;
}
