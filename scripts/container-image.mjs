#!/usr/bin/env node
// Builds the openhss container image with podman, offline, from this checkout.
//
//   node scripts/container-image.mjs base  [--rootfs DIR] [--node PATH]
//       a base image: a Debian 12 root (`debootstrap --variant=minbase bookworm`,
//       made into ~/.cache/openhss-image unless --rootfs names one) plus this
//       machine's node binary at /usr/local/bin/node, `podman import`ed as
//       localhost/openhss-base:<hash of its inputs> (reused while they are unchanged)
//       and tagged localhost/openhss-base:latest. Prints the tag.
//   node scripts/container-image.mjs build [--base IMAGE] [--tag IMAGE]
//       the image from deploy/container/Containerfile (default tag localhost/openhss:latest),
//       with dist/ as `npm run build` left it and the production dependencies as
//       `npm ci` installed them (copied, never downloaded). Without --base, builds
//       the base above first. Prints the tag.
//
// Run as root (rootful podman), after `npm ci && npm run build`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Bump when the way a base is made changes, so old cached bases are not reused. */
const BASE_RECIPE = 'openhss-base/1: minbase bookworm, docs/man/locales and apt lists removed, node at /usr/local/bin/node';
const TRIMMED = ['./usr/share/doc/*', './usr/share/man/*', './usr/share/info/*', './usr/share/locale/*', './var/cache/apt/*', './var/lib/apt/lists/*'];

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${result.status}: ${(result.stderr ?? '').slice(-4000)}`);
  }
  return result.stdout ?? '';
}

async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

function imageExists(tag) {
  return spawnSync('podman', ['image', 'exists', tag]).status === 0;
}

/** A minbase bookworm root made with debootstrap into `dir` (kept; made once). */
export function debootstrapRoot(dir = join(homedir(), '.cache', 'openhss-image', 'bookworm-minbase')) {
  if (existsSync(join(dir, 'var/lib/dpkg/status'))) return dir;
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  run('debootstrap', ['--variant=minbase', 'bookworm', building, process.env.OPENHSS_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian']);
  run('mv', [building, dir]);
  return dir;
}

/**
 * The base image for `rootfs` plus `node`, imported once per set of inputs
 * (the root's package list, the node binary and the recipe); returns its tag.
 */
export async function buildBase({ rootfs, node = process.execPath } = {}) {
  const root = rootfs ?? debootstrapRoot();
  const nodeBinary = resolve(node);
  const version = run(nodeBinary, ['--version']).trim();
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (!(major === 20 || major >= 22)) throw new Error(`node ${version}: openhss needs Node.js 20.11+ or 22+`);
  const key = createHash('sha256')
    .update(BASE_RECIPE)
    .update(readFileSync(join(root, 'var/lib/dpkg/status')))
    .update(await sha256File(nodeBinary))
    .digest('hex')
    .slice(0, 16);
  const tag = `localhost/openhss-base:${key}`;
  if (!imageExists(tag)) {
    // One tar stream: the root (trimmed) and the node binary renamed into it.
    const tar = ['-c', '--numeric-owner', ...TRIMMED.map((p) => `--exclude=${p}`), '-C', root, '.'];
    tar.push('-C', dirname(nodeBinary), '--transform', `s,^${escapeSed(relative(dirname(nodeBinary), nodeBinary))}$,./usr/local/bin/node,`, relative(dirname(nodeBinary), nodeBinary));
    const script = `set -o pipefail; tar ${tar.map(shellQuote).join(' ')} | podman import --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' - ${shellQuote(tag)} >/dev/null`;
    run('bash', ['-c', script]);
  }
  run('podman', ['tag', tag, 'localhost/openhss-base:latest']);
  return tag;
}

function escapeSed(text) {
  return text.replace(/[.[\]*^$\\,]/g, '\\$&');
}

function shellQuote(text) {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The installed packages `npm ci` put in node_modules that production needs (no dev dependencies). */
export function productionPackageDirs(repo = REPO) {
  const result = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const dirs = (result.stdout ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(join(repo, 'node_modules') + sep));
  if (dirs.length === 0) throw new Error(`npm ls --omit=dev listed no packages (exit ${result.status}): ${result.stderr}`);
  // A package nested inside another listed one comes with it.
  const sorted = [...new Set(dirs)].sort();
  const top = [];
  for (const dir of sorted) if (!top.some((parent) => dir.startsWith(parent + sep))) top.push(dir);
  return top;
}

/** Assembles the build context in `dir`: Containerfile, healthcheck, package.json, dist/ and production node_modules. */
export function assembleContext(dir, repo = REPO) {
  for (const output of ['dist/cli/main.js', 'dist/console/index.html']) {
    if (!existsSync(join(repo, output))) throw new Error(`${output} is missing: run \`npm run build\` first`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  copyFileSync(join(repo, 'deploy/container/Containerfile'), join(dir, 'Containerfile'));
  copyFileSync(join(repo, 'deploy/container/healthcheck.mjs'), join(dir, 'healthcheck.mjs'));
  copyFileSync(join(repo, 'package.json'), join(dir, 'package.json'));
  // Hard links where the file system allows (the context is only read), copies otherwise.
  const copy = (from, to) => {
    mkdirSync(dirname(to), { recursive: true });
    if (spawnSync('cp', ['-al', from, to]).status !== 0) run('cp', ['-a', from, to]);
  };
  copy(join(repo, 'dist'), join(dir, 'dist'));
  rmSync(join(dir, 'dist/.build-stamp'), { force: true });
  for (const pkg of productionPackageDirs(repo)) copy(pkg, join(dir, relative(repo, pkg)));
  trimNodeModules(join(dir, 'node_modules'));
  return dir;
}

/** Files no running process reads: type declarations, source maps, and the native addon's sources and build leftovers. */
const UNUSED_FILE = /\.(d\.[cm]?ts|map)$/;
const UNUSED_PATHS = ['better-sqlite3/deps', 'better-sqlite3/src', 'better-sqlite3/build/deps', 'better-sqlite3/build/Release/obj', 'better-sqlite3/build/Release/obj.target', 'better-sqlite3/build/Release/.deps', 'better-sqlite3/build/Release/sqlite3.a', 'better-sqlite3/build/Release/test_extension.node'];

function trimNodeModules(dir) {
  for (const path of UNUSED_PATHS) rmSync(join(dir, path), { recursive: true, force: true });
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (UNUSED_FILE.test(entry.name)) rmSync(path);
    }
  };
  walk(dir);
}

/**
 * `--ulimit` flags within what this host lets a runtime set. podman's
 * defaults (nofile 1048576) can be above a sandboxed host's hard limit, and
 * then every container start fails with EPERM; on this project's CI machine
 * nproc was refused above 32768 even under a higher hard limit, so it is capped
 * there.
 */
export function ulimitArgs() {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const hard = (name) => {
    const value = new RegExp(`^${name}\\s+\\S+\\s+(\\S+)`, 'm').exec(limits)?.[1];
    return value === undefined || value === 'unlimited' ? Infinity : Number(value);
  };
  const nofile = Math.min(hard('Max open files'), 1048576);
  const nproc = Math.min(hard('Max processes'), 32768);
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

/**
 * The OCI runtime to ask podman for: OPENHSS_PODMAN_RUNTIME, else runc where
 * cgroups are mounted in hybrid mode (v1 controllers plus an empty v2
 * hierarchy), which crun refuses; else podman's default.
 */
export function podmanRuntimeArgs() {
  if (process.env.OPENHSS_PODMAN_RUNTIME) return ['--runtime', process.env.OPENHSS_PODMAN_RUNTIME];
  const hybrid = existsSync('/sys/fs/cgroup/unified') && existsSync('/sys/fs/cgroup/memory');
  return hybrid && spawnSync('runc', ['--version']).status === 0 ? ['--runtime', 'runc'] : [];
}

/**
 * A hash of everything the image is built from, besides the base (which the
 * caller adds): the Containerfile, the health check, package.json and its
 * lock (which fix the production node_modules `npm ci` installs, for the
 * base's node) and every file under dist/.
 */
export function imageInputsKey(repo = REPO) {
  const hash = createHash('sha256');
  const add = (path) => hash.update(`${relative(repo, path)}\0`).update(readFileSync(path)).update('\0');
  for (const file of ['deploy/container/Containerfile', 'deploy/container/healthcheck.mjs', 'package.json', 'package-lock.json']) add(join(repo, file));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name !== '.build-stamp') add(path);
    }
  };
  walk(join(repo, 'dist'));
  return hash.digest('hex');
}

/** Builds the image (offline: `--network=none`); returns its tag. */
export function buildImage({ base, tag = 'localhost/openhss:latest', context }) {
  run('podman', [
    ...podmanRuntimeArgs(),
    'build',
    ...ulimitArgs(),
    '--network=none',
    '--format=docker', // HEALTHCHECK is a Docker-format field; the OCI format drops it
    '--layers',
    '--build-arg',
    `BASE=${base}`,
    '--tag',
    tag,
    '--file',
    join(context, 'Containerfile'),
    context,
  ]);
  return tag;
}

async function main(argv) {
  const [command, ...rest] = argv;
  const option = (name) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (command === 'base') {
    process.stdout.write(`${await buildBase({ rootfs: option('--rootfs'), node: option('--node') })}\n`);
  } else if (command === 'build') {
    const base = option('--base') ?? (await buildBase({ rootfs: option('--rootfs'), node: option('--node') }));
    const context = mkdtempSync(join(tmpdir(), 'openhss-image-'));
    try {
      assembleContext(context);
      process.stdout.write(`${buildImage({ base, tag: option('--tag'), context })}\n`);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  } else {
    process.stderr.write('usage: node scripts/container-image.mjs base [--rootfs DIR] [--node PATH] | build [--base IMAGE] [--tag IMAGE]\n');
    process.exit(2);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
