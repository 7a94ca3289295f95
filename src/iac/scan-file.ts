import type { RuleResult } from '../rules/types.js';
import { scanDockerfile } from './dockerfile/scan.js';
import { scanK8sYaml } from './k8s/scan.js';
import { IacParseError } from './text.js';

/**
 * The IaC scan entry point: one file in, its failed rule results out, or the
 * reason it could not be parsed (such files count as failed files).
 */
export type IacFileType = 'dockerfile' | 'k8s_yaml';

export interface IacFile {
  name: string;
  type: IacFileType;
  content: string;
}

/** A file the caller did not read because it is over the size limit: it is reported as failed, with the reason. */
export interface OversizeIacFile {
  name: string;
  type: IacFileType;
  size: number;
  limit: number;
}

export type IacFileScan = { status: 'success'; results: RuleResult[] } | { status: 'failed'; reason: string };

export function scanIacFile(file: IacFile): IacFileScan {
  if (file.type !== 'dockerfile' && file.type !== 'k8s_yaml') return { status: 'failed', reason: `unsupported file type ${JSON.stringify(file.type)}` };
  if (typeof file.content !== 'string') return { status: 'failed', reason: 'no file content' };
  try {
    const results = file.type === 'dockerfile' ? scanDockerfile(file.name, file.content) : scanK8sYaml(file.name, file.content);
    return { status: 'success', results };
  } catch (e) {
    if (e instanceof IacParseError) return { status: 'failed', reason: e.message };
    // A rule bug must not abort a whole upload; the file is reported with the error instead.
    return { status: 'failed', reason: `internal error while scanning: ${(e as Error).message}` };
  }
}

export interface IacBatchScan {
  files: Array<{ name: string; type: IacFileType } & IacFileScan>;
  successCount: number;
  failedCount: number;
}

export function oversizeReason(size: number, limit: number): string {
  return `file is ${size} bytes, over the ${limit}-byte limit: not scanned`;
}

export function scanIacFiles(files: ReadonlyArray<IacFile | OversizeIacFile>): IacBatchScan {
  const scanned = files.map((f) => ({
    name: f.name,
    type: f.type,
    ...('content' in f ? scanIacFile(f) : { status: 'failed' as const, reason: oversizeReason(f.size, f.limit) }),
  }));
  const successCount = scanned.filter((f) => f.status === 'success').length;
  return { files: scanned, successCount, failedCount: scanned.length - successCount };
}
