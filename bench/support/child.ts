/**
 * Runs one benchmark phase in a child process of its own, so that its peak
 * RSS is that phase's alone. The child prints one JSON line last on stdout;
 * that is the result.
 *
 * Peak RSS is VmHWM from /proc/self/status, the high-water mark of the
 * child's own address space. `process.resourceUsage().maxRSS` is not used:
 * on Linux it carries over the RSS the forked copy of the parent had when
 * it exec'd, so a child of a parent holding 1.8 GB reports 1.8 GB.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface PhaseResult {
  /** Peak RSS of the child process (VmHWM), bytes. */
  maxRss: number;
  /** RSS after imports and setup, just before the measured work (bytes). */
  baseRss: number;
  [key: string]: unknown;
}

/** Spawns `node --import tsx SCRIPT ARGS…` and returns the JSON object it printed last. */
export async function runPhase(script: string, args: string[], nodeArgs: string[] = []): Promise<PhaseResult> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${code}: ${out}`);
  return JSON.parse(last) as PhaseResult;
}

/** In the child: peak RSS of this process's own address space so far (VmHWM), bytes. */
export function vmHwm(): number {
  const m = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** In the child: prints the result line the parent reads. */
export function report(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...result, maxRss: vmHwm(), rusageMaxRss: process.resourceUsage().maxRSS * 1024 })}\n`);
}

export const mb = (bytes: number) => (bytes / 1024 ** 2).toFixed(0);
export const mbf = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);
