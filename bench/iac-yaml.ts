/**
 * Large-YAML benchmark: a realistic multi-document Kubernetes manifest file
 * of about 2 MiB (Deployments, Services, ConfigMaps, Ingresses, RBAC, as a
 * Helm-rendered bundle looks), and one ConfigMap of 60,000 keys (the shape
 * that used to take minutes), each scanned by the IaC scan (scanIacFile),
 * each phase in a child process of its own for its peak RSS. Target: ≤ 1 s
 * and ≤ 150 MB per 2 MiB. The floor, measured the same way on the same bytes:
 * yaml.parseAllDocuments alone, without the library's duplicate-key check
 * (no rules, no line mapping, no checks).
 *
 *   node --import tsx bench/iac-yaml.ts [--mib 2] [--runs 3]
 *
 * Prints progress on stderr and a Markdown block on stdout (for docs/benchmarks.md).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { mb, report, runPhase, vmHwm, type PhaseResult } from './support/child.js';
import { bigConfigMap, manifestOfSize } from './support/k8s-manifests.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
};
const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

async function child(phase: string, file: string): Promise<void> {
  const content = readFileSync(file, 'utf8');
  const { parseAllDocuments } = await import('yaml');
  const { scanIacFile } = await import('../src/iac/scan-file.js');
  const baseRss = vmHwm();
  const start = performance.now();
  let results = 0;
  let documents = 0;
  if (phase === 'floor') {
    const docs = parseAllDocuments(content, { uniqueKeys: false });
    documents = Array.isArray(docs) ? docs.length : 1;
  } else {
    const scanned = scanIacFile({ name: 'bundle.yaml', type: 'k8s_yaml', content });
    if (scanned.status !== 'success') throw new Error(`scan failed: ${scanned.reason}`);
    results = scanned.results.length;
  }
  const ms = performance.now() - start;
  report({ phase, ms, results, documents, baseRss });
}

async function measure(file: string, content: string, runs: number): Promise<Record<string, PhaseResult>> {
  writeFileSync(file, content);
  const best: Record<string, PhaseResult> = {};
  for (let r = 0; r < runs; r++) {
    for (const phase of ['floor', 'scan']) {
      const result = await runPhase('bench/iac-yaml.ts', ['--child', phase, '--file', file]);
      log(`run ${r + 1} ${phase}: ${Number(result.ms).toFixed(0)} ms, peak RSS ${mb(result.maxRss)} MB (base ${mb(result.baseRss)} MB), ${String(result.results)} results`);
      const prev = best[phase];
      if (prev === undefined || Number(result.ms) < Number(prev.ms)) best[phase] = result;
    }
  }
  return best;
}

async function main(): Promise<void> {
  const mib = Number(arg('mib', '2'));
  const runs = Number(arg('runs', '3'));
  const dir = mkdtempSync(join(tmpdir(), 'openhss-iac-yaml-'));
  try {
    const shapes = [
      { name: 'multi-document bundle', content: manifestOfSize(mib * 1024 * 1024) },
      { name: 'one ConfigMap, 60,000 keys', content: bigConfigMap(60_000) },
    ];
    const rows: string[] = [];
    for (const shape of shapes) {
      const documents = shape.content.split('\n---\n').length;
      const size = `${(Buffer.byteLength(shape.content) / 1024 / 1024).toFixed(2)} MiB`;
      log(`${shape.name}: ${size}, ${documents} documents`);
      const best = await measure(join(dir, 'file.yaml'), shape.content, runs);
      const floor = best.floor!;
      const row = (name: string, p: PhaseResult) =>
        `| ${shape.name}, ${size}, ${documents} doc(s) | ${name} | ${Number(p.ms).toFixed(0)} | ${(Number(p.ms) / Number(floor.ms)).toFixed(2)}× | ${mb(p.maxRss)} | ${mb(p.maxRss - p.baseRss)} |`;
      rows.push(row('parseAllDocuments (floor)', floor), row(`scanIacFile (${String(best.scan!.results)} results)`, best.scan!));
    }
    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    process.stdout.write(
      [
        `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, best of ${runs} runs`,
        '',
        '| file | phase | wall ms | vs floor | peak RSS MB | over the child\'s base MB |',
        '| --- | --- | ---: | ---: | ---: | ---: |',
        ...rows,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const childPhase = arg('child', '');
if (childPhase !== '') await child(childPhase, arg('file', ''));
else await main();
