/**
 * The images bench/scan.ts scans, built once from real bytes and kept under
 * ~/.cache/openhss-bench: each layer is a real tar, gzip'd at level 6 by
 * zlib, written straight to disk (never held whole in memory) with its digest
 * and diff_id computed on the way. Pushed with the Distribution API, blobs
 * streamed from disk, into a registry whose storage is kept in the same
 * cache, so later runs push nothing.
 */
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pack, type Pack } from 'tar-stream';
import { Agent } from 'undici';

const LAYER_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const CONFIG_TYPE = 'application/vnd.docker.container.image.v1+json';
const MTIME = new Date('2024-01-01T00:00:00Z');

export interface LayerFile {
  name: string;
  file: string;
  digest: string;
  diffId: string;
  /** Compressed bytes. */
  size: number;
  /** Uncompressed tar bytes. */
  tarSize: number;
}

/** Counts and hashes the bytes going through. */
class Hasher extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** Builds one layer file (tar → gzip -6 → disk) unless it is already cached. */
export async function cachedLayer(dir: string, name: string, tar: () => Readable): Promise<LayerFile> {
  const meta = join(dir, `${name}.json`);
  if (existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8')) as LayerFile;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.tar.gz`);
  const temp = `${file}.tmp`;
  const raw = new Hasher();
  const gz = new Hasher();
  const started = Date.now();
  await pipeline(tar(), raw, createGzip({ level: 6 }), gz, createWriteStream(temp));
  renameSync(temp, file);
  const layer: LayerFile = { name, file, digest: `sha256:${gz.hash.digest('hex')}`, diffId: `sha256:${raw.hash.digest('hex')}`, size: gz.bytes, tarSize: raw.bytes };
  writeFileSync(meta, JSON.stringify(layer, null, 2));
  console.error(`built layer ${name}: ${(layer.tarSize / 1024 ** 2).toFixed(0)} MB tar → ${(layer.size / 1024 ** 2).toFixed(0)} MB gzip in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return layer;
}

/** A directory as a tar stream (GNU tar, numeric owners, sorted names). */
export function directoryTar(dir: string): Readable {
  const child = spawn('tar', ['--numeric-owner', '--sort=name', '-C', dir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) child.stdout!.destroy(new Error(`tar -C ${dir} exited with ${code}`));
  });
  return child.stdout!;
}

async function addFile(archive: Pack, name: string, content: string | Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => archive.entry({ name, mode: 0o644, mtime: MTIME }, content, (err) => (err ? reject(err) : resolve())));
}

/** A file written in 64 KiB chunks through the tar entry stream (with backpressure). */
async function addGeneratedFile(archive: Pack, name: string, size: number, chunk: (i: number, length: number) => Buffer): Promise<void> {
  let done: (err?: Error | null) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => (done = (err) => (err ? reject(err) : resolve())));
  const entry = archive.entry({ name, size, mode: 0o644, mtime: MTIME }, (err) => done(err));
  for (let offset = 0, i = 0; offset < size; offset += 65536, i++) {
    if (!entry.write(chunk(i, Math.min(65536, size - offset)))) await once(entry, 'drain');
  }
  (entry as unknown as NodeJS.WritableStream).end();
  await finished;
}

const WORDS = 'the layer of a container image holds files packages libraries binaries configuration logs and data that a scanner must stream once without buffering'.split(' ');

/** Text that compresses about as well as logs or source (numbers, words, paths). */
function textChunk(seed: number, length: number): Buffer {
  let s = seed >>> 0;
  const next = () => (s = (s * 1664525 + 1013904223) >>> 0);
  const parts: string[] = [];
  let n = 0;
  while (n < length) {
    const line = `${new Date(1_700_000_000_000 + (next() % 86_400_000)).toISOString()} ${WORDS[next() % WORDS.length]} /usr/lib/${WORDS[next() % WORDS.length]}/${next().toString(36)} ${WORDS[next() % WORDS.length]} ${next() % 100000}\n`;
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, length);
}

/**
 * A layer of large files whose content alternates 64 KiB of random bytes and
 * 64 KiB of text: about 60 % of its size survives gzip, like a layer of
 * binaries, media and compressed assets mixed with text.
 */
function dataLayerTar(name: string, megabytes: number): Readable {
  const archive = pack();
  const fileSize = 16 * 1024 ** 2;
  void (async () => {
    try {
      for (let i = 0; i < Math.ceil(megabytes / 16); i++) {
        await addGeneratedFile(archive, `opt/${name}/blob-${String(i).padStart(3, '0')}.bin`, fileSize, (k, length) => (k % 2 === 0 ? randomFillSync(Buffer.allocUnsafe(length)) : textChunk(i * 100_003 + k, length)));
      }
      for (let i = 0; i < 200; i++) await addFile(archive, `opt/${name}/logs/log-${i}.txt`, textChunk(i, 8192));
      archive.finalize();
    } catch (err) {
      archive.destroy(err as Error);
    }
  })();
  return archive as unknown as Readable;
}

/**
 * An application layer: 1,500 installed npm packages (package.json plus a
 * few KB of JavaScript each, among them lodash 4.17.11, minimist 1.2.5 and
 * semver 7.5.1, which the demo DB flags) and 400 Python dist-info packages
 * (requests 2.25.0 and PyYAML 5.3 among them).
 */
export function appLayerTar(): Readable {
  const archive = pack();
  void (async () => {
    try {
      const npm: Array<[string, string]> = [['lodash', '4.17.11'], ['minimist', '1.2.5'], ['semver', '7.5.1']];
      for (let i = 0; i < 1500; i++) npm.push([`bench-pkg-${i}`, `${i % 7}.${i % 13}.${i % 5}`]);
      for (const [name, version] of npm) {
        const base = `srv/app/node_modules/${name}`;
        await addFile(archive, `${base}/package.json`, JSON.stringify({ name, version, description: `${name} for the benchmark`, main: 'index.js', license: 'MIT', dependencies: {} }, null, 2));
        await addFile(archive, `${base}/index.js`, `'use strict';\n${textChunk(name.length * 7919 + version.length, 6000).toString('utf8').replace(/^/gm, '// ')}\nmodule.exports = {};\n`);
        await addFile(archive, `${base}/README.md`, `# ${name}\n\n${textChunk(name.length, 2000).toString('utf8')}`);
      }
      const py: Array<[string, string]> = [['requests', '2.25.0'], ['PyYAML', '5.3']];
      for (let i = 0; i < 400; i++) py.push([`bench_py_${i}`, `1.${i % 10}.${i % 4}`]);
      for (const [name, version] of py) {
        const base = `usr/lib/python3/dist-packages/${name}-${version}.dist-info`;
        await addFile(archive, `${base}/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: ${name} for the benchmark\n\n${textChunk(name.length, 3000).toString('utf8')}`);
        await addFile(archive, `${base}/RECORD`, textChunk(version.length, 1500));
        await addFile(archive, `usr/lib/python3/dist-packages/${name.toLowerCase()}/__init__.py`, `${textChunk(name.length * 31, 8000).toString('utf8').replace(/^/gm, '# ')}\n`);
      }
      archive.finalize();
    } catch (err) {
      archive.destroy(err as Error);
    }
  })();
  return archive as unknown as Readable;
}

export interface BenchImage {
  tag: string;
  layers: LayerFile[];
  config: Buffer;
  manifest: Buffer;
  /** Uncompressed bytes of all layers. */
  tarBytes: number;
  /** Compressed bytes of all layers. */
  blobBytes: number;
}

export function image(tag: string, layers: LayerFile[]): BenchImage {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/bash'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((l) => ({ created: '2024-01-01T00:00:00Z', created_by: `openhss bench layer ${l.name}` })),
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: CONFIG_TYPE, digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: LAYER_TYPE, digest: l.digest, size: l.size })),
    }),
  );
  return { tag, layers, config, manifest, tarBytes: layers.reduce((n, l) => n + l.tarSize, 0), blobBytes: layers.reduce((n, l) => n + l.size, 0) };
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * The two benchmark images, built on first use:
 * - `main`: the debootstrap rootfs, three 128 MB data layers and the app layer (~600 MB of tar, ~350 MB of gzip);
 * - `large`: the same plus two 256 MB data layers (~1.1 GB of tar).
 */
export async function benchImages(cacheDir: string, rootfs: string): Promise<{ main: BenchImage; large: BenchImage }> {
  const dir = join(cacheDir, 'layers');
  const base = await cachedLayer(dir, 'debian-bookworm-rootfs', () => directoryTar(rootfs));
  const app = await cachedLayer(dir, 'app-node-python', appLayerTar);
  // Two at a time: gzip runs on the libuv pool, so two layers use both cores.
  const [d1, d2] = await Promise.all([cachedLayer(dir, 'data-1', () => dataLayerTar('data-1', 128)), cachedLayer(dir, 'data-2', () => dataLayerTar('data-2', 128))]);
  const [d3, d4] = await Promise.all([cachedLayer(dir, 'data-3', () => dataLayerTar('data-3', 128)), cachedLayer(dir, 'data-4', () => dataLayerTar('data-4', 256))]);
  const d5 = await cachedLayer(dir, 'data-5', () => dataLayerTar('data-5', 256));
  return { main: image('main', [base, d1!, d2!, d3!, app]), large: image('large', [base, d1!, d2!, d3!, d4!, d5, app]) };
}

/** Pushes an image (blobs streamed from disk, skipped when the registry has them) under `repository:tag`. */
export async function pushImage(url: string, repository: string, img: BenchImage): Promise<void> {
  const agent = new Agent();
  const origin = new URL(url).origin;
  try {
    const has = async (digest: string) => {
      const head = await agent.request({ origin, path: `/v2/${repository}/blobs/${digest}`, method: 'HEAD' });
      await head.body.dump();
      return head.statusCode === 200;
    };
    const upload = async (digest: string, size: number, body: Buffer | Readable) => {
      const start = await agent.request({ origin, path: `/v2/${repository}/blobs/uploads/`, method: 'POST' });
      await start.body.dump();
      if (start.statusCode !== 202) throw new Error(`start upload: HTTP ${start.statusCode}`);
      const location = new URL(String(start.headers.location), url);
      location.searchParams.set('digest', digest);
      const put = await agent.request({ origin, path: `${location.pathname}${location.search}`, method: 'PUT', body, headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) } });
      const text = await put.body.text();
      if (put.statusCode !== 201) throw new Error(`upload ${digest}: HTTP ${put.statusCode}: ${text}`);
    };
    for (const layer of img.layers) if (!(await has(layer.digest))) await upload(layer.digest, layer.size, createReadStream(layer.file));
    const configDigest = sha256(img.config);
    if (!(await has(configDigest))) await upload(configDigest, img.config.length, img.config);
    const put = await agent.request({ origin, path: `/v2/${repository}/manifests/${img.tag}`, method: 'PUT', body: img.manifest, headers: { 'content-type': MANIFEST_TYPE } });
    const text = await put.body.text();
    if (put.statusCode !== 201) throw new Error(`put manifest: HTTP ${put.statusCode}: ${text}`);
  } finally {
    await agent.close();
  }
}
