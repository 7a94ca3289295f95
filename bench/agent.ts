// `npm run bench:agent`: how long `openhss agent --once` takes to inventory
// this machine's `/`, against floors that walk the same tree in the same run:
// `find / -xdev` (listing only) and the agent's own walk with nothing
// analysed (readRootfs wanting no file, same excluded directories).
// Target: agent --once <= 2x the find floor. BENCH_ROOT picks another root;
// BENCH_AGENT_OUTPUT names a file to keep the agent's inventory in (to compare runs).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_ROOTFS_EXCLUDES, readRootfs } from '../src/sources/rootfs/read-rootfs.js';
import { skippedMountsOf } from '../src/sources/rootfs/mounts.js';

const root = resolve(process.env.BENCH_ROOT ?? '/');
const CLI = resolve('dist/cli/main.js');

/** Runs a command to completion, discarding its output; resolves with its wall time in seconds. */
function timed(command: string, args: string[], keep?: string): Promise<{ seconds: number; code: number | null; bytes: number }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', fail);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const output = Buffer.concat(chunks);
      if (keep) writeFileSync(keep, output);
      done({ seconds, code, bytes: output.length });
    });
  });
}

async function walkOnly(): Promise<number> {
  const started = performance.now();
  const excludes = [...DEFAULT_ROOTFS_EXCLUDES, ...(await skippedMountsOf(root))];
  const nothing = Object.assign(() => false, { byPath: () => false, randomAccess: () => false });
  await readRootfs(root, nothing, { excludes });
  return (performance.now() - started) / 1000;
}

// One untimed pass so every measured run starts from the same warm metadata cache.
await timed('find', [root, '-xdev']);
const find = await timed('find', [root, '-xdev']);
const walk = await walkOnly();
const agent = await timed(process.execPath, [CLI, 'agent', '--once', '--root', root, '--state-dir', '/var/lib/openhss-agent'], process.env.BENCH_AGENT_OUTPUT);
if (agent.code !== 0) throw new Error(`agent --once exited ${agent.code}`);

const ratio = agent.seconds / find.seconds;
console.log(`machine: ${hostname()}, ${cpus().length} x ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; ${new Date().toISOString()}`);
console.log(`root: ${root}`);
console.log(`find ${root} -xdev                 ${find.seconds.toFixed(1)} s`);
console.log(`walk only (readRootfs, no analysis) ${walk.toFixed(1)} s`);
console.log(`openhss agent --once               ${agent.seconds.toFixed(1)} s  (${(agent.bytes / 1024).toFixed(0)} KiB of JSON)`);
console.log(`agent / find = ${ratio.toFixed(2)}x (target <= 2x: ${ratio <= 2 ? 'met' : `missed by ${(ratio / 2).toFixed(2)}x`}); agent / walk = ${(agent.seconds / walk).toFixed(2)}x`);
