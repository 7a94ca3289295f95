import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { SEVERITIES, type ScanReport, type Severity } from '../../domain/finding.js';
import { analyzers } from '../../inventory/registry.js';
import { analyzeStreaming, mergeLayers } from '../../inventory/layers.js';
import { REPORT_FORMATS, reportWriters, type ReportFormat } from '../../reports/index.js';
import { VERSION } from '../../runtime/version.js';
import { reportImage } from '../report-image.js';
import { serverTarget } from '../server-client.js';
import { scanLayers } from '../../scan/inventory-scan.js';
import { FileLayerCache } from '../../scan/layer-cache.js';
import { reportFor } from '../../scan/scan-report.js';
import { archiveImage } from '../../sources/archive/index.js';
import type { ImageArtifact } from '../../sources/image/artifact.js';
import { registryImage } from '../../sources/image/registry-image.js';
import { parseReference, RegistryClient } from '../../sources/registry/index.js';
import { readRootfs } from '../../sources/rootfs/read-rootfs.js';
import { inventoryFromCycloneDx } from '../../sources/sbom/cyclonedx-sbom.js';
import { buildDemoDb, status as dbStatus, VulnDbReader } from '../../vulndb/index.js';

interface CommonOptions {
  db?: string;
  format: ReportFormat;
  output?: string;
  severity?: string;
  ignoreUnfixed?: boolean;
  exitCode: string;
  cacheDir?: string;
  quiet?: boolean;
}

const err = (line: string) => process.stderr.write(`${line}\n`);

/** The DB the scan reads: --db, or <dataDir>/vulndb.sqlite, built from the demo data on first use so scans work offline. */
async function openDb(options: CommonOptions, dataDir: string): Promise<{ reader: VulnDbReader; builtAt: string | null; demo: boolean }> {
  const file = resolve(options.db ?? join(dataDir, 'vulndb.sqlite'));
  if (!existsSync(file)) {
    if (options.db) throw new Error(`vulnerability DB ${file} does not exist; run "openhss db update" or "openhss db import PATH"`);
    await buildDemoDb(file);
    if (!options.quiet) err(`openhss: no vulnerability DB yet; built the small demo DB at ${file}. Run "openhss db update" (or "openhss db import PATH" offline) for real data.`);
  }
  const info = await dbStatus(file);
  if (!info.usable) throw new Error(`vulnerability DB ${file}: ${info.problem ?? 'not usable'}`);
  // Said on every scan, --quiet or not: findings from sample data must never pass for a real result.
  if (info.demo) err(`openhss: WARNING: ${file} is the built-in demo vulnerability DB (a few sample advisories); these findings are not real. Run "openhss db update" (or "openhss db import PATH" offline).`);
  return { reader: VulnDbReader.open(file), builtAt: info.builtAt ?? null, demo: info.demo === true };
}

function parseSeverities(list: string | undefined): Set<Severity> | null {
  if (!list) return null;
  const wanted = list.split(',').map((s) => s.trim().toLowerCase());
  for (const s of wanted) if (!(SEVERITIES as readonly string[]).includes(s)) throw new Error(`--severity: ${s} is not one of ${SEVERITIES.join(', ')}`);
  return new Set(wanted as Severity[]);
}

async function emit(report: ScanReport, options: CommonOptions): Promise<void> {
  const severities = parseSeverities(options.severity);
  const findings = report.findings.filter((f) => (!severities || severities.has(f.severity)) && (!options.ignoreUnfixed || f.fixedVersion !== null));
  const filtered = { ...report, findings };
  const text = reportWriters[options.format](filtered, VERSION);
  if (options.output) await writeFile(options.output, text);
  else process.stdout.write(text);
  const exitCode = Number(options.exitCode);
  if (findings.length > 0 && exitCode !== 0) process.exitCode = exitCode;
}

function withCommonOptions(command: Command): Command {
  return command
    .option('--db <file>', 'vulnerability DB (default: <dataDir>/vulndb.sqlite, the demo DB until updated)')
    .option('-f, --format <format>', `report format: ${REPORT_FORMATS.join(', ')}`, 'table')
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--severity <list>', `only these severities (comma-separated: ${SEVERITIES.join(', ')})`)
    .option('--ignore-unfixed', 'leave out vulnerabilities that have no fix yet')
    .option('--exit-code <n>', 'exit with this code when vulnerabilities are reported', '0')
    .option('--cache-dir <dir>', 'per-layer analysis cache (default: <dataDir>/cache/layers)')
    .option('-q, --quiet', 'no progress or notes on standard error');
}

function checkFormat(options: CommonOptions): void {
  if (!(REPORT_FORMATS as readonly string[]).includes(options.format)) throw new Error(`--format: ${options.format} is not one of ${REPORT_FORMATS.join(', ')}`);
}

/** Shows layer progress on a terminal; stays silent when standard error is a pipe or file. */
function progress(options: CommonOptions) {
  if (options.quiet || !process.stderr.isTTY) return undefined;
  return (e: { digest: string; cached: boolean; done: number; total: number }) => {
    process.stderr.write(`\r\x1b[Klayers ${e.done}/${e.total}  ${e.digest.slice(0, 19)}  ${e.cached ? 'cached' : 'pulled'}${e.done === e.total ? '\n' : ''}`);
  };
}

async function run(action: (options: CommonOptions, dataDir: string) => Promise<void>, options: CommonOptions): Promise<void> {
  try {
    checkFormat(options);
    await action(options, loadConfig().dataDir);
  } catch (error) {
    err(`openhss scan: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}

export function registerScanCommands(program: Command): void {
  const scan = program.command('scan').description('Scan an image, a root file system or an SBOM for vulnerable packages');

  withCommonOptions(scan.command('image [reference]').description('Scan an image from an OCI registry, a docker save tarball (--archive) or an OCI layout (--oci)'))
    .option('--archive <file>', 'a `docker save` tarball or an OCI layout tar instead of a registry')
    .option('--oci <dir>', 'an OCI image layout directory instead of a registry')
    .option('--tag <tag>', 'with --archive or --oci: the image to pick when the archive holds several')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image', 'linux/amd64')
    .option('--insecure-registry <host>', 'reach this registry over plain HTTP (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--username <name>', 'registry user name')
    .option('--password-stdin', 'read the registry password from standard input')
    .option('--report-to <url>', 'also record the result on this openhss server as a cicd image (token from OPENHSS_TOKEN, project from --project-id or OPENHSS_PROJECT_ID)')
    .option('--project-id <id>', 'with --report-to: the project to record the image in')
    .option('--report-name <name:tag>', 'with --report-to: the name to record the image under (default: the registry reference, or --tag for an archive)')
    .action(
      (
        reference: string | undefined,
        options: CommonOptions & {
          archive?: string;
          oci?: string;
          tag?: string;
          platform: string;
          insecureRegistry: string[];
          username?: string;
          passwordStdin?: boolean;
          reportTo?: string;
          projectId?: string;
          reportName?: string;
        },
      ) =>
        run(async (opts, dataDir) => {
          const local = options.archive ?? options.oci;
          if ([reference, options.archive, options.oci].filter(Boolean).length !== 1) throw new Error('name exactly one image: a registry reference, --archive FILE or --oci DIR');
          const report = options.reportTo ? serverTarget('--report-to', options.reportTo, options.projectId) : undefined;
          // An archive's own label is a file path; the server records images by name.
          const reportName = options.reportName ?? reference ?? options.tag;
          if (report && !reportName) throw new Error('--report-to with --archive or --oci needs --report-name NAME:TAG (or --tag)');
          let client: RegistryClient | undefined;
          const { reader, builtAt, demo } = await openDb(opts, dataDir);
          try {
            let artifact: ImageArtifact;
            if (local) {
              artifact = await archiveImage(resolve(local), { platform: options.platform, ...(options.tag ? { tag: options.tag } : {}) });
            } else {
              const password = options.passwordStdin ? readFileSync(0, 'utf8').trim() : undefined;
              const registryHost = parseReference(reference!).registry;
              const hosts: Record<string, { insecure?: boolean; credentials?: { username: string; password: string } }> = {};
              for (const host of options.insecureRegistry) hosts[host] = { ...hosts[host], insecure: true };
              if (options.username && password !== undefined) hosts[registryHost] = { ...hosts[registryHost], credentials: { username: options.username, password } };
              client = new RegistryClient({ hosts, platform: options.platform });
              artifact = await registryImage(client, reference!);
            }
            const cache = new FileLayerCache(opts.cacheDir ?? join(dataDir, 'cache', 'layers'), analyzers);
            const onLayer = progress(opts);
            const { inventory } = await scanLayers(artifact.layers, { analyzers, cache, ...(onLayer ? { onLayer } : {}) });
            const scannedAt = Date.now();
            await emit(reportFor({ kind: 'image', name: artifact.name, digest: artifact.digest }, inventory, reader, scannedAt, { builtAt, demo }), opts);
            if (report) {
              const recorded = await reportImage(report, { name: reportName!, digest: artifact.digest }, inventory, scannedAt);
              if (!opts.quiet) err(`openhss: recorded on ${report.url} as cicd image ${recorded.id} (${recorded.vul_num} vulnerabilities)`);
            }
          } finally {
            reader.close();
            await client?.close();
          }
        }, options),
    );

  withCommonOptions(scan.command('rootfs <dir>').description('Scan a root file system directory (a host, a mounted disk, an unpacked image)')).action(
    (dir: string, options: CommonOptions) =>
      run(async (opts, dataDir) => {
        const { reader, builtAt, demo } = await openDb(opts, dataDir);
        try {
          const layer = await analyzeStreaming('rootfs', (wanted, sink) => readRootfs(resolve(dir), wanted, { sink }), analyzers);
          const inventory = mergeLayers([layer]);
          await emit(reportFor({ kind: 'rootfs', name: resolve(dir) }, inventory, reader, Date.now(), { builtAt, demo }), opts);
        } finally {
          reader.close();
        }
      }, options),
  );

  withCommonOptions(scan.command('sbom <file>').description('Scan the components of a CycloneDX JSON SBOM')).action((file: string, options: CommonOptions) =>
    run(async (opts, dataDir) => {
      const inventory = inventoryFromCycloneDx(await readFile(file, 'utf8'), file);
      const { reader, builtAt, demo } = await openDb(opts, dataDir);
      try {
        await emit(reportFor({ kind: 'sbom', name: resolve(file) }, inventory, reader, Date.now(), { builtAt, demo }), opts);
      } finally {
        reader.close();
      }
    }, options),
  );
}
