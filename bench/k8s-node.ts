// `npm run bench:k8s-node`: how long the agent takes to decide the CIS node
// controls on a Kubernetes node, over kubeadm v1.27 node roots written by the
// test fixtures (test/support/kube/node-root.ts): a control-plane node
// (4 static pods, 30 PKI files, etcd data) and a worker. The floor, in the
// same run: reading the same root with nothing decided (stat and read every
// file under it, as a walk). Target: <= 5x the floor and well under a second.
// BENCH_ITERATIONS sets the runs per row (default 200).
import { readFile, readdir, stat } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { collectNodeReport } from '../src/agent/client/k8s-node/node-report.js';
import { writeNodeRoot } from '../test/support/kube/node-root.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 200);
const base = mkdtempSync(join(tmpdir(), 'openhss-bench-k8s-node-'));

async function floorWalk(dir: string): Promise<number> {
  let files = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    await stat(path);
    if (entry.isDirectory()) files += await floorWalk(path);
    else {
      await readFile(path);
      files++;
    }
  }
  return files;
}

async function median(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

try {
  console.log(`machine: ${hostname()}, ${cpus().length} x ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; ${new Date().toISOString()}; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`${iterations} runs per row, median\n`);
  console.log('| node | files | decided | floor (stat + read all) ms | agent node checks ms | vs floor |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, controlPlane] of [['control plane (hardened)', true], ['worker (kubeadm defaults)', false]] as const) {
    const root = join(base, controlPlane ? 'cp' : 'worker');
    writeNodeRoot(root, { node: controlPlane ? 'cp-1' : 'worker-1', ip: '10.0.0.10', controlPlane, profile: controlPlane ? 'hardened' : 'kubeadm' });
    const files = await floorWalk(root);
    const report = await collectNodeReport({ root, processes: false });
    const floor = await median(() => floorWalk(root));
    const agent = await median(() => collectNodeReport({ root, processes: false }));
    const ratio = agent / floor;
    console.log(`| ${name} | ${files} | ${report?.results.length ?? 0} | ${floor.toFixed(2)} | ${agent.toFixed(2)} | ${ratio.toFixed(2)}x ${ratio <= 5 ? '(met)' : '(missed: target 5x)'} |`);
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
