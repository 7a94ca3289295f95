/**
 * "Nothing from an image is written to disk": the built CLI scans hostile
 * images (path traversal, links out of the tree, devices, a gzip bomb, a
 * huge sparse file, duplicates and whiteouts) and hostile root file systems
 * in a child process whose file-system writes are watched with strace
 * (every open for writing, mkdir, link, rename, unlink, mknod, truncate of
 * every thread and child). The only writes allowed are the layer cache's
 * digest-named entries; the paths the hostile entries name stay untouched.
 * Where ptrace is not permitted, the writable areas the child is given
 * (HOME, TMPDIR, cwd, data dir, the hostile targets) are compared before
 * and after instead. Either way, a snapshot comparison runs too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { dpkgStatus, tarDirectory, writeImageLayout } from '../support/archives.js';
import { imageOfLayers, layerOfTar, type BuiltImage, type BuiltLayer } from '../support/oci-images.js';
import { CLI } from '../support/server-process.js';
import { makeTar, type TarEntry } from '../support/tar.js';
import { buildDemoDb } from '../../src/vulndb/index.js';

/** Only guards against a hang (the thing under test): a scan that needs it has failed. */
const HANG_GUARD_MS = 5 * 60_000;
const OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';
const STATUS = dpkgStatus(['curl', '7.88.1-10+deb12u3', 'curl']);
const CACHE_ENTRY = /^([0-9a-f]{64})-[0-9a-f]{16}\.json\.gz(?:\.[0-9a-f-]{36}\.tmp)?$/;
const WRITE_FLAGS = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND|O_TMPFILE/;
const ALWAYS_WRITES = new Set(['creat', 'mkdir', 'mkdirat', 'symlink', 'symlinkat', 'link', 'linkat', 'rename', 'renameat', 'renameat2', 'unlink', 'unlinkat', 'rmdir', 'mknod', 'mknodat', 'truncate']);
const TRACED = [...ALWAYS_WRITES, 'open', 'openat', 'openat2', 'io_uring_setup'].join(',');

interface Write {
  syscall: string;
  paths: string[];
  line: string;
}

interface ScanRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Write attempts the trace saw (successful or not); null when the snapshot alone watched. */
  writes: Write[] | null;
  /** Every path the child opened, for reading or writing (traced runs only). */
  opened: string[];
}

/** Whether strace can trace a child here (ptrace may be forbidden in containers). */
function straceWorks(): boolean {
  const probe = spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', 'true'], { encoding: 'utf8' });
  return probe.status === 0;
}

/** Every file and directory under `dir` (not following links) with what would change if something wrote there. */
function snapshot(dir: string, into = new Map<string, string>()): Map<string, string> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return into;
  }
  for (const name of names) {
    const path = join(dir, name);
    const s = lstatSync(path);
    into.set(path, `${s.mode}:${s.size}:${s.mtimeMs}:${s.ino}:${s.nlink}`);
    if (s.isDirectory()) snapshot(path, into);
  }
  return into;
}

function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [path, state] of after) if (before.get(path) !== state) out.push(path);
  for (const path of before.keys()) if (!after.has(path)) out.push(`${path} (removed)`);
  return out.sort();
}

/** The file-system writes of one strace log line, or null when the line writes nothing. */
function writeOf(line: string, cwd: string): Write | null {
  const m = /^([a-z_0-9]+)\((.*)\)\s+=/.exec(line);
  if (!m) return null;
  const [, syscall, args] = m as unknown as [string, string, string];
  if (syscall === 'io_uring_setup') throw new Error(`the child set up io_uring, whose file operations strace does not see: ${line}`);
  const isOpen = syscall === 'open' || syscall === 'openat' || syscall === 'openat2';
  if (isOpen && !WRITE_FLAGS.test(args)) return null;
  if (!isOpen && !ALWAYS_WRITES.has(syscall)) return null;
  const quoted = [...args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((q) => JSON.parse(`"${q[1]}"`) as string);
  // A path relative to a directory descriptor other than the cwd cannot be placed: count it as a write anywhere.
  const dirfdRelative = /^(openat2?|mkdirat|symlinkat|linkat|renameat2?|unlinkat|mknodat)$/.test(syscall) && !args.startsWith('AT_FDCWD') && quoted.some((p) => !isAbsolute(p));
  return { syscall, paths: quoted.map((p) => (dirfdRelative ? `<dirfd>/${p}` : resolve(cwd, p))), line };
}

describe('hostile images and root file systems: the scan writes nothing from them (built CLI, writes traced)', () => {
  let sandbox: string;
  let outside: string;
  let dbFile: string;
  let traced: boolean;
  const areas = () => ['home', 'tmp', 'cwd', 'data', 'outside'].map((d) => join(sandbox, d));

  before(async () => {
    sandbox = mkdtempSync(join(tmpdir(), 'openhss-hostile-'));
    for (const dir of areas()) mkdirSync(dir, { recursive: true });
    outside = join(sandbox, 'outside');
    // What the hostile entries point at: present, so a write through a link would change them.
    writeFileSync(join(outside, 'os-release'), 'ID=evil\nVERSION_ID="1"\n');
    writeFileSync(join(outside, 'status'), dpkgStatus(['evil-package', '6.6.6', 'evil-package']));
    writeFileSync(join(outside, 'hard-target'), 'not for the scanner');
    dbFile = join(sandbox, 'vulndb.sqlite');
    await buildDemoDb(dbFile);
    traced = straceWorks();
    if (!traced) process.stderr.write('hostile-images: strace cannot trace here (ptrace not permitted); watching the writable areas by snapshot only\n');
  });
  after(() => rmSync(sandbox, { recursive: true, force: true }));

  /** Runs the built CLI like a user would, its writes watched; the snapshot of the writable areas is compared in any case. */
  async function scan(args: string[]): Promise<ScanRun & { changedPaths: string[] }> {
    const cwd = join(sandbox, 'cwd');
    const logPrefix = join(mkdtempSync(join(tmpdir(), 'openhss-hostile-trace-')), 'log');
    const before = new Map<string, string>();
    for (const dir of areas()) snapshot(dir, before);
    const cli = [CLI, ...args, '--db', dbFile, '--format', 'json', '--quiet'];
    const [command, argv] = traced ? ['strace', ['-ff', '-qq', '-s', '65536', '-e', `trace=${TRACED}`, '-o', logPrefix, process.execPath, ...cli]] : [process.execPath, cli];
    // libuv could do file operations through io_uring, which no system-call trace sees: the plain system calls are asked for (and io_uring_setup is traced, to be sure).
    const env = { PATH: process.env.PATH ?? '', HOME: join(sandbox, 'home'), TMPDIR: join(sandbox, 'tmp'), OPENHSS_DATA_DIR: join(sandbox, 'data'), UV_USE_IO_URING: '0' };
    const child = spawn(command as string, argv as string[], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(guard);
    assert.equal(signal, null, `the scan hung (killed after ${HANG_GUARD_MS} ms): ${args.join(' ')}\n${stderr}`);
    let writes: Write[] | null = null;
    const opened: string[] = [];
    if (traced) {
      writes = [];
      const dir = join(logPrefix, '..');
      for (const name of readdirSync(dir)) {
        for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
          const write = writeOf(line, cwd);
          if (write) writes.push(write);
          const open = /^open(?:at2?)?\((?:AT_FDCWD, )?"((?:[^"\\]|\\.)*)"/.exec(line);
          if (open) opened.push(resolve(cwd, JSON.parse(`"${open[1]}"`) as string));
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
    const afterSnap = new Map<string, string>();
    for (const dir of areas()) snapshot(dir, afterSnap);
    return { code, stdout, stderr, writes, opened, changedPaths: changed(before, afterSnap) };
  }

  /** Nothing written anywhere but digest-named entries of the layer cache (and the directories holding it); nothing at all outside. */
  function assertOnlyCacheWrites(run: ScanRun & { changedPaths: string[] }, layerDigests: string[]): void {
    const data = join(sandbox, 'data');
    const cache = join(data, 'cache', 'layers');
    const cacheDirs = new Set([data, join(data, 'cache'), cache]);
    const digests = new Set(layerDigests.map((d) => d.slice('sha256:'.length)));
    const allowed = (syscall: string, path: string) => {
      if (syscall.startsWith('mkdir')) return cacheDirs.has(path);
      if (!path.startsWith(`${cache}/`)) return false;
      const entry = CACHE_ENTRY.exec(path.slice(cache.length + 1));
      return entry !== null && digests.has(entry[1]!);
    };
    if (run.writes) {
      const refused = run.writes.filter((w) => w.paths.some((p) => !allowed(w.syscall, p)));
      assert.deepEqual(refused.map((w) => w.line), [], 'writes outside the layer cache');
      assert.ok(run.writes.every((w) => !w.paths.some((p) => p.startsWith(outside))), 'a write touched a path a hostile entry names');
      // The trace sees writes at all: a scan of new layers writes their cache entries.
      if (layerDigests.length > 0) assert.ok(run.writes.some((w) => w.syscall.startsWith('open') && w.paths.some((p) => p.startsWith(`${cache}/`))), 'the trace saw no cache write: it observes nothing');
    }
    const unexpected = run.changedPaths.filter((p) => !(cacheDirs.has(p) || (p.startsWith(`${cache}/`) && CACHE_ENTRY.test(p.slice(cache.length + 1)))));
    assert.deepEqual(unexpected, [], 'files changed in the writable areas besides the layer cache');
    // What this scan left in the cache: entries named by a layer digest of this image alone, no temporary files.
    for (const path of run.changedPaths.filter((p) => p.startsWith(`${cache}/`))) {
      const entry = CACHE_ENTRY.exec(path.slice(cache.length + 1));
      assert.ok(entry && !path.endsWith('.tmp') && digests.has(entry[1]!) && lstatSync(path).isFile(), `${path} in the layer cache is not a digest-named entry of this image`);
    }
    // Nothing a hostile entry names was even opened.
    assert.deepEqual(run.opened.filter((p) => p.startsWith(outside)), [], 'the scan opened paths outside the image');
  }

  /** Packs an image as an OCI layout tar (`openhss scan image --archive`). */
  function ociArchive(name: string, image: BuiltImage): string {
    const dir = join(sandbox, 'images', name);
    writeImageLayout(dir, image, 'latest');
    const file = join(sandbox, 'images', `${name}.tar`);
    tarDirectory(dir, file);
    rmSync(dir, { recursive: true, force: true });
    return file;
  }

  const base = (): Promise<BuiltLayer> => makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: OS_RELEASE }, { name: 'var/', type: 'directory' }, { name: 'var/lib/', type: 'directory' }, { name: 'var/lib/dpkg/', type: 'directory' }, { name: 'var/lib/dpkg/status', content: STATUS }]).then((tar) => layerOfTar(tar, 'oci'));
  const up = (path: string) => `${'../'.repeat(12)}${path.replace(/^\//, '')}`;
  const reportOf = (stdout: string) => JSON.parse(stdout) as { os?: { id: string }; packages: Array<{ name: string }>; findings: unknown[] };
  const names = (stdout: string) => reportOf(stdout).packages.map((p) => p.name).sort();

  it('path traversal, absolute names, links out of the tree and files written through them, hard links out, devices and fifos, duplicates and whiteouts: ignored, nothing written', async () => {
    const entries: TarEntry[] = [
      { name: up(join(outside, 'rel-escape')), content: 'climbs out' },
      { name: '../../escape', content: 'climbs out' },
      { name: join(outside, 'abs-escape'), content: 'absolute name' },
      { name: 'evil-abs', type: 'symlink', linkname: outside },
      { name: 'evil-abs/through-abs', content: 'written through an absolute link' },
      { name: 'evil-rel', type: 'symlink', linkname: up(outside) },
      { name: 'evil-rel/through-rel', content: 'written through a relative link' },
      { name: 'evil-rel/os-release', content: 'ID=evil\n' },
      { name: 'usr/', type: 'directory' },
      { name: 'usr/lib/', type: 'directory' },
      { name: 'usr/lib/os-release', type: 'symlink', linkname: join(outside, 'os-release') },
      { name: 'etc/', type: 'directory' },
      { name: 'etc/hard-abs', type: 'link', linkname: join(outside, 'hard-target') },
      { name: 'var/lib/dpkg/status', type: 'link', linkname: up(join(outside, 'status')) },
      { name: 'dev/', type: 'directory' },
      { name: 'dev/sda', type: 'block-device' },
      { name: 'dev/null', type: 'character-device' },
      { name: join(outside, 'device'), type: 'character-device' },
      { name: 'run/fifo', type: 'fifo' },
      { name: 'var/lib/rpm/Packages', type: 'fifo' },
      // Duplicates: the last one of a path counts.
      { name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.0\n' },
      { name: 'etc/os-release', content: OS_RELEASE },
      { name: 'app/node_modules/left-pad/package.json', content: '{"name":"first","version":"1.0.0"}' },
      { name: 'app/node_modules/left-pad/package.json', content: '{"name":"left-pad","version":"1.3.0"}' },
      // Whiteouts, one climbing out, and an opaque directory.
      { name: 'etc/.wh.shadow', content: '' },
      { name: '../../.wh.escape', content: '' },
      { name: `${up(outside)}/.wh.hard-target`, content: '' },
      { name: 'opt/.wh..wh..opq', content: '' },
    ];
    const image = imageOfLayers([await base(), layerOfTar(await makeTar(entries), 'oci')], { format: 'oci' });
    const run = await scan(['scan', 'image', '--archive', ociArchive('traversal', image)]);
    assert.equal(run.code, 0, run.stderr);
    // The bad entries change nothing: the OS and packages are those of the image's own files.
    assert.equal(reportOf(run.stdout).os?.id, 'debian');
    assert.deepEqual(names(run.stdout), ['curl', 'left-pad']);
    assertOnlyCacheWrites(run, image.layers.map((l) => l.digest));
  });

  it('a gzip bomb layer (512 MiB of zeros from under 1 MiB) and a huge sparse file: streamed and skipped, nothing written, no hang', async () => {
    const bomb = await gzipBomb('var/lib/dpkg/status', 512 * 1024 ** 2);
    assert.ok(bomb.bytes.length < 1024 ** 2, `the bomb is ${bomb.bytes.length} bytes`);
    const sparseRoot = join(sandbox, 'sparse-root');
    mkdirSync(join(sparseRoot, 'usr/lib'), { recursive: true });
    // 64 GiB of holes with one byte of data: GNU tar records it as a sparse entry.
    execFileSync('truncate', ['-s', '64G', join(sparseRoot, 'usr/lib/os-release')]);
    const sparseTar = execFileSync('tar', ['-C', sparseRoot, '--format=gnu', '-S', '-cf', '-', '.'], { maxBuffer: 64 * 1024 ** 2 });
    rmSync(sparseRoot, { recursive: true, force: true });
    const image = imageOfLayers([await base(), layerOfTar(Buffer.alloc(0), 'oci', bomb), layerOfTar(sparseTar, 'oci')], { format: 'oci' });
    const run = await scan(['scan', 'image', '--archive', ociArchive('bomb', image)]);
    assert.equal(run.code, 0, run.stderr);
    // The oversized dpkg status is skipped (over the analysed-file limit), so the lower layer's stays.
    assert.equal(reportOf(run.stdout).os?.id, 'debian');
    assert.deepEqual(names(run.stdout), ['curl']);
    assertOnlyCacheWrites(run, image.layers.map((l) => l.digest));
  });

  it('an image archive whose own entries climb out and whose manifest names paths outside: refused with the reason, nothing written', async () => {
    const image = imageOfLayers([await base()], { format: 'oci' });
    const layer = image.layers[0]!;
    const hex = (d: string) => d.slice('sha256:'.length);
    const common: TarEntry[] = [
      { name: up(join(outside, 'outer-escape')), content: 'climbs out of the archive' },
      { name: join(outside, 'outer-abs'), content: 'absolute name' },
      { name: 'blobs/', type: 'directory' },
      { name: 'blobs/evil', type: 'symlink', linkname: outside },
      { name: 'blobs/evil/through', content: 'written through a link' },
      { name: 'blobs/sha256/', type: 'directory' },
      { name: `blobs/sha256/${hex(image.config.digest)}`, content: image.config.bytes },
    ];
    // docker save's manifest.json naming a layer outside the archive.
    const traversal = await makeTar([...common, { name: `blobs/sha256/${hex(layer.digest)}`, content: layer.bytes }, { name: 'manifest.json', content: JSON.stringify([{ Config: `blobs/sha256/${hex(image.config.digest)}`, RepoTags: ['app:1'], Layers: [up(join(outside, 'status'))] }]) }]);
    // A layer blob that is a symbolic link to a file outside the archive.
    const linked = await makeTar([...common, { name: `blobs/sha256/${hex(layer.digest)}`, type: 'symlink', linkname: join(outside, 'status') }, { name: 'manifest.json', content: JSON.stringify([{ Config: `blobs/sha256/${hex(image.config.digest)}`, RepoTags: ['app:1'], Layers: [`blobs/sha256/${hex(layer.digest)}`] }]) }]);
    for (const [name, bytes] of [['outer-traversal', traversal], ['outer-link', linked]] as const) {
      const file = join(sandbox, 'images', `${name}.tar`);
      mkdirSync(join(sandbox, 'images'), { recursive: true });
      writeFileSync(file, bytes);
      const run = await scan(['scan', 'image', '--archive', file]);
      assert.equal(run.code, 2, `${name}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, /^openhss scan: .*(outside|leaves|unsafe|refus|link|not found|missing|does not hold).*$/im, `${name}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assertOnlyCacheWrites(run, []);
    }
  });

  it('scan rootfs on a directory with links out of the tree and a fifo: reads nothing outside, writes nothing, never blocks', async () => {
    const root = join(sandbox, 'rootfs');
    mkdirSync(join(root, 'etc'), { recursive: true });
    mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true });
    mkdirSync(join(root, 'usr/lib/python3'), { recursive: true });
    mkdirSync(join(root, 'var/lib/rpm'), { recursive: true });
    writeFileSync(join(root, 'etc/os-release'), OS_RELEASE);
    writeFileSync(join(root, 'var/lib/dpkg/status'), STATUS);
    // Absolute and relative links out of the tree, to files and to a directory.
    symlinkSync(join(outside, 'os-release'), join(root, 'usr/lib/os-release'));
    symlinkSync(up(join(outside, 'status')), join(root, 'var/lib/dpkg/status-old'));
    mkdirSync(join(outside, 'site/evil-1.0.dist-info'), { recursive: true });
    writeFileSync(join(outside, 'site/evil-1.0.dist-info/METADATA'), 'Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n');
    symlinkSync(join(outside, 'site'), join(root, 'usr/lib/python3/dist-packages'));
    symlinkSync(up(outside), join(root, 'escape'));
    // A fifo where a package database is looked for: opening it to read would wait for a writer forever.
    execFileSync('mkfifo', [join(root, 'var/lib/rpm/rpmdb.sqlite')]);
    const run = await scan(['scan', 'rootfs', root]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(reportOf(run.stdout).os?.id, 'debian');
    assert.deepEqual(names(run.stdout), ['curl']);
    assertOnlyCacheWrites(run, []);
  });
});

/** A layer of one file of `size` zero bytes, gzip'd as it is made (never whole in memory): its compressed bytes and diff id. */
async function gzipBomb(path: string, size: number): Promise<{ bytes: Buffer; diffId: string }> {
  const archive = pack();
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  const tee = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const done = pipeline(archive, tee, createGzip({ level: 9 }), sink);
  const entry = archive.entry({ name: path, size, mode: 0o644, mtime: new Date('2024-01-01T00:00:00Z') });
  const zeros = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < size; written += zeros.length) if (!entry.write(zeros)) await once(entry, 'drain');
  entry.end(() => undefined);
  archive.finalize();
  await done;
  return { bytes: Buffer.concat(chunks), diffId: `sha256:${hash.digest('hex')}` };
}
