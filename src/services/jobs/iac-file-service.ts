import { createHash, randomUUID } from 'node:crypto';
import { IAC_FILE_TYPES, type IacFileType } from '../../domain/common-task.js';
import { invalidParameter } from '../../domain/errors.js';
import type { IacFileRepository } from '../../repositories/iac-file-repository.js';

export interface IacUpload {
  fileName: string;
  fileType?: IacFileType;
  content: Buffer;
}

export const MAX_IAC_FILE_BYTES = 2 * 1024 * 1024;
export const MAX_IAC_FILES = 500;

/** A Dockerfile by name (Dockerfile, x.Dockerfile, Dockerfile.prod), YAML by extension. */
export function iacTypeOf(fileName: string): IacFileType | null {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  if (/^(.*\.)?dockerfile(\..*)?$/i.test(base) || /^containerfile$/i.test(base)) return 'dockerfile';
  if (/\.ya?ml$/i.test(base)) return 'k8s_yaml';
  return null;
}

/** IaC files uploaded for scanning (HSS's batch-upload before CreateTask). */
export class IacFileService {
  constructor(
    private readonly files: IacFileRepository,
    private readonly now: () => number,
  ) {}

  async upload(projectId: string, enterpriseProjectId: string, uploads: readonly IacUpload[]): Promise<Array<{ file_id: string; file_name: string; file_type: IacFileType }>> {
    if (uploads.length === 0) throw invalidParameter('files', 'no file was uploaded');
    if (uploads.length > MAX_IAC_FILES) throw invalidParameter('files', `at most ${MAX_IAC_FILES} files per upload`);
    const now = this.now();
    const rows = uploads.map((u, i) => {
      const type = u.fileType ?? iacTypeOf(u.fileName);
      if (!type || !(IAC_FILE_TYPES as readonly string[]).includes(type)) throw invalidParameter(`files[${i}].file_type`, `cannot tell the type of ${u.fileName}: give file_type dockerfile or k8s_yaml`);
      if (u.content.length > MAX_IAC_FILE_BYTES) throw invalidParameter(`files[${i}]`, `${u.fileName} is larger than ${MAX_IAC_FILE_BYTES} bytes`);
      if (!u.fileName || u.fileName.length > 512) throw invalidParameter(`files[${i}].file_name`, 'file_name must be 1–512 characters');
      return {
        id: randomUUID(),
        project_id: projectId,
        enterprise_project_id: enterpriseProjectId,
        file_name: u.fileName,
        file_type: type,
        content: u.content,
        size: u.content.length,
        sha256: createHash('sha256').update(u.content).digest('hex'),
        uploaded_at: now,
      };
    });
    await this.files.insert(rows);
    return rows.map((r) => ({ file_id: r.id, file_name: r.file_name, file_type: r.file_type }));
  }

  async list(projectId: string, page: { offset: number; limit: number }) {
    return this.files.list(projectId, page);
  }
}
