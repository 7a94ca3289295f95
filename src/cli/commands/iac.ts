import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { IacFileType } from '../../domain/common-task.js';
import { scanIacFiles, type OversizeIacFile } from '../../iac/scan-file.js';
import { decodeText } from '../../iac/text.js';
import { iacTypeOf, MAX_IAC_FILE_BYTES } from '../../services/jobs/iac-file-service.js';
import { postToServer, serverTarget } from '../server-client.js';

const SKIP_DIRS = new Set(['.git', 'node_modules', '.terraform', 'vendor']);

interface FoundFile {
  name: string;
  type: IacFileType;
  content: string;
}

/** Dockerfiles and Kubernetes YAML under `dir`, with names relative to it; files over the size limit are listed, not read. */
async function findIacFiles(dir: string): Promise<Array<FoundFile | OversizeIacFile>> {
  const found: Array<FoundFile | OversizeIacFile> = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of (await readdir(current, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) await walk(path);
        continue;
      }
      const type = entry.isFile() ? iacTypeOf(entry.name) : null;
      if (!type) continue;
      const { size } = await stat(path);
      if (size > MAX_IAC_FILE_BYTES) found.push({ name: relative(dir, path), type, size, limit: MAX_IAC_FILE_BYTES });
      else found.push({ name: relative(dir, path), type, content: decodeText(await readFile(path)) });
    }
  };
  await walk(dir);
  return found;
}

/** `openhss iac scan DIR`: Dockerfiles and Kubernetes YAML checked locally, optionally recorded as jobs on a server. */
export function registerIacCommands(program: Command): void {
  const iac = program.command('iac').description('Infrastructure-as-code checks (Dockerfiles, Kubernetes YAML)');
  iac
    .command('scan <dir>')
    .description('Check the Dockerfiles and Kubernetes YAML under DIR; --report-to also uploads them and creates IaC scan jobs on a server')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('--exit-code <n>', 'exit with this code when a rule fails (not counting suppressed results) or a file cannot be scanned (too large, unparsable)', '0')
    .option('--report-to <url>', 'also record the files as iac_scan jobs on this openhss server (token from OPENHSS_TOKEN)')
    .option('--project-id <id>', 'with --report-to: the project (or OPENHSS_PROJECT_ID)')
    .action(async (dir: string, opts: { format: string; exitCode: string; reportTo?: string; projectId?: string }) => {
      try {
        if (opts.format !== 'table' && opts.format !== 'json') throw new Error('--format must be table or json');
        const target = opts.reportTo ? serverTarget('--report-to', opts.reportTo, opts.projectId) : undefined;
        const files = await findIacFiles(resolve(dir));
        const scan = scanIacFiles(files);
        const failed = scan.files.flatMap((f) => (f.status === 'success' ? f.results.filter((r) => r.status === 'failed' && !r.suppressed) : []));
        if (opts.format === 'json') {
          process.stdout.write(`${JSON.stringify(scan, null, 2)}\n`);
        } else {
          for (const f of scan.files) {
            if (f.status === 'failed') {
              process.stdout.write(`${f.name}: not scanned: ${f.reason}\n`);
              continue;
            }
            for (const r of f.results) {
              const where = r.startLine ? `${f.name}:${r.startLine}${r.endLine && r.endLine !== r.startLine ? `-${r.endLine}` : ''}` : f.name;
              process.stdout.write(`${where}  ${r.rule.id}  ${r.rule.severity}  ${r.message}${r.suppressed ? `  (suppressed: ${r.suppressed.reason})` : ''}\n`);
            }
          }
          process.stdout.write(`${files.length} file(s), ${failed.length} failed check(s), ${scan.failedCount} file(s) not scanned\n`);
        }
        if (target) {
          for (const type of ['dockerfile', 'k8s_yaml'] as const) {
            // Files over the limit are reported above; the server would refuse them.
            const ofType = files.filter((f): f is FoundFile => f.type === type && 'content' in f);
            if (ofType.length === 0) continue;
            const uploaded = await postToServer<{ data_list: Array<{ file_id: string }> }>(target, '/openhss/iac-files', { files: ofType.map((f) => ({ file_name: f.name, file_type: f.type, content: f.content })) });
            const task = await postToServer<{ task_id: string }>(target, '/common/task', { task_type: 'iac_scan', iac_scan_info: { file_type: type, file_id_list: uploaded.data_list.map((u) => u.file_id) } });
            process.stderr.write(`openhss: ${ofType.length} ${type} file(s) recorded on ${target.url} as job ${task.task_id}\n`);
          }
        }
        // A file that could not be scanned (too large, unparsable) is not a pass either.
        if ((failed.length > 0 || scan.failedCount > 0) && Number(opts.exitCode) !== 0) process.exitCode = Number(opts.exitCode);
      } catch (err) {
        process.stderr.write(`openhss iac scan: ${(err as Error).message}\n`);
        process.exitCode = 2;
      }
    });
}
