import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MIRROR = process.env.OPENHSS_TEST_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const CACHE = process.env.OPENHSS_TEST_CACHE ?? join(homedir(), '.cache', 'openhss-test');

/**
 * A real Debian 12 root file system (`debootstrap --variant=minbase bookworm`),
 * built once and kept under ~/.cache/openhss-test between runs. Built into a
 * temporary directory and renamed, so an interrupted build is never reused;
 * concurrent callers wait on a lock directory.
 */
export async function debootstrapBookworm(): Promise<string> {
  const target = join(CACHE, 'debootstrap-bookworm-minbase');
  if (existsSync(join(target, 'var/lib/dpkg/status'))) return target;
  mkdirSync(CACHE, { recursive: true });
  const lock = `${target}.lock`;
  for (let waited = 0; ; waited += 500) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(join(target, 'var/lib/dpkg/status'))) return target;
      if (waited > 300_000) throw new Error(`timed out waiting for ${lock}; remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (existsSync(join(target, 'var/lib/dpkg/status'))) return target;
    const building = `${target}.building`;
    rmSync(building, { recursive: true, force: true });
    await run('debootstrap', ['--variant=minbase', 'bookworm', building, MIRROR], { maxBuffer: 64 * 1024 * 1024 });
    renameSync(building, target);
    return target;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
