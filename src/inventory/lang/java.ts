import { Readable } from 'node:stream';
import { inflateRawSync } from 'node:zlib';
import type { LanguagePackage } from '../../domain/package.js';
import yauzl from 'yauzl';
import { bufferFile, type RandomAccessFile } from '../../sources/random-access.js';
import { NotPlainZip, readCentralDirectory, readRawEntry, type ZipEntry } from './zip-central.js';
import { emptyResult, type AnalysisResult, type Analyzer } from '../analyzer.js';

const ARCHIVE = /\.(jar|war|ear|jpi|hpi)$/i;
const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;
/** Jars inside jars (Spring Boot, WARs) are read to this depth and size; deeper or bigger ones are reported and skipped. */
const MAX_DEPTH = 3;
const MAX_NESTED_BYTES = 128 * 1024 * 1024;
const MAX_ENTRY_TEXT_BYTES = 1024 * 1024;

function properties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^#!=:\s][^=:]*?)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** MANIFEST.MF main section, with its 72-column continuation lines joined. */
function manifest(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const main = text.replace(/\r\n/g, '\n').split('\n\n')[0] ?? '';
  for (const line of main.replace(/\n /g, '').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}

/** Ranges of an archive on disk are read in pieces of at most this size. */
const READ_CHUNK = 1024 * 1024;
/** Small reads (yauzl reads each central directory record on its own) are served from a window read ahead of them. */
const READ_AHEAD = 64 * 1024;

/** yauzl on an archive read by position: the central directory at its end, then only the entries wanted. */
class PositionalReader extends yauzl.RandomAccessReader {
  private window: { start: number; bytes: Buffer } = { start: 0, bytes: Buffer.alloc(0) };

  constructor(private readonly file: RandomAccessFile) {
    super();
  }

  private async range(start: number, length: number): Promise<Buffer> {
    const { window } = this;
    if (start >= window.start && start + length <= window.start + window.bytes.length) return window.bytes.subarray(start - window.start, start - window.start + length);
    if (length >= READ_AHEAD) return this.file.read(start, length);
    this.window = { start, bytes: await this.file.read(start, READ_AHEAD) };
    return this.window.bytes.subarray(0, length);
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    this.range(position, length).then(
      (bytes) => {
        bytes.copy(buffer, offset);
        callback(bytes.length === length ? null : new Error('unexpected end of archive'));
      },
      (err: Error) => callback(err),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const read = (at: number, length: number) => this.range(at, length);
    return Readable.from(
      (async function* () {
        for (let at = start; at < end; at += READ_CHUNK) yield await read(at, Math.min(READ_CHUNK, end - at));
      })(),
    );
  }
}

function openZip(source: Buffer | RandomAccessFile): Promise<yauzl.ZipFile> {
  const options = { lazyEntries: true, decodeStrings: true };
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile) => (err ? reject(err) : resolve(zip!));
    if (Buffer.isBuffer(source)) yauzl.fromBuffer(source, options, done);
    else yauzl.fromRandomAccessReader(new PositionalReader(source), source.size, options, done);
  });
}

/** Deflated text entries (manifests, pom.properties: a few hundred bytes) are inflated at once rather than through zlib's thread-pool stream. */
function inflateSmall(raw: Buffer, entry: { fileName: string; uncompressedSize: number }, limit: number): Buffer {
  let bytes: Buffer;
  try {
    bytes = inflateRawSync(raw, { maxOutputLength: limit });
  } catch (err) {
    throw new Error(err instanceof RangeError ? `${entry.fileName} expands beyond ${limit} bytes` : `${entry.fileName}: ${(err as Error).message}`);
  }
  if (bytes.length !== entry.uncompressedSize) throw new Error(`${entry.fileName}: expanded to ${bytes.length} bytes, the archive says ${entry.uncompressedSize}`);
  return bytes;
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (entry.uncompressedSize > limit) return reject(new Error(`${entry.fileName} is ${entry.uncompressedSize} bytes, over the ${limit}-byte limit`));
    const inflateHere = entry.compressionMethod === 8 && !entry.isEncrypted() && limit <= MAX_ENTRY_TEXT_BYTES;
    zip.openReadStream(entry, inflateHere ? { decompress: false } : {}, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      let size = 0;
      // Deflate may make incompressible text a little longer (5 bytes a 64 KiB block), never more.
      const rawLimit = inflateHere ? limit + 1024 + (limit >> 8) : limit;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > rawLimit) stream.destroy(new Error(`${entry.fileName} expands beyond ${limit} bytes`));
        else chunks.push(c);
      });
      stream.on('error', reject);
      stream.on('end', () => {
        if (!inflateHere) return resolve(Buffer.concat(chunks));
        try {
          resolve(inflateSmall(Buffer.concat(chunks), entry, limit));
        } catch (error) {
          reject(error as Error);
        }
      });
    });
  });
}

/** An entry of a plain zip (zip-central.ts), inflated at once. */
async function readPlainEntry(file: RandomAccessFile, entry: ZipEntry, limit: number): Promise<Buffer> {
  if (entry.uncompressedSize > limit) throw new Error(`${entry.name} is ${entry.uncompressedSize} bytes, over the ${limit}-byte limit`);
  const raw = await readRawEntry(file, entry);
  return entry.method === 0 ? raw : inflateSmall(raw, { fileName: entry.name, uncompressedSize: entry.uncompressedSize }, limit);
}

/** Each entry's name, and how to read it: from the central directory read here, or through yauzl for an archive that reader leaves alone. */
type EntryVisitor = (name: string, read: (limit: number) => Promise<Buffer>) => Promise<void> | undefined;

async function eachEntry(source: Buffer | RandomAccessFile, visit: EntryVisitor): Promise<void> {
  const file = Buffer.isBuffer(source) ? bufferFile(source) : source;
  let entries: ZipEntry[] | undefined;
  try {
    entries = await readCentralDirectory(file);
  } catch (err) {
    if (!(err instanceof NotPlainZip)) throw err;
  }
  if (entries) {
    // Most entries are not wanted: the visitor answers those at once, without a promise to wait for.
    for (const entry of entries) {
      const reading = visit(entry.name, (limit) => readPlainEntry(file, entry, limit));
      if (reading) await reading;
    }
    return;
  }
  const zip = await openZip(source);
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      const reading = visit(entry.fileName, (limit) => readEntry(zip, entry, limit));
      if (reading) reading.then(() => zip.readEntry(), reject);
      else zip.readEntry();
    });
    zip.readEntry();
  });
}

/** Reads one archive: its own Maven coordinates, then the archives nested in it. */
async function readArchive(source: Buffer | RandomAccessFile, path: string, file: { layerDigest?: string }, depth: number, result: AnalysisResult): Promise<void> {
  const found: LanguagePackage[] = [];
  let manifestFields: Record<string, string> | undefined;
  const nested: Array<{ name: string; bytes: Buffer }> = [];
  const location = (p: string) => ({ path: p, ...(file.layerDigest ? { layerDigest: file.layerDigest } : {}) });
  await eachEntry(source, (name, read) => {
    const wantText = POM_PROPERTIES.test(name) || name === 'META-INF/MANIFEST.MF';
    const wantNested = ARCHIVE.test(name) && !name.endsWith('/');
    if (!wantText && !wantNested) return undefined;
    if (wantNested && depth >= MAX_DEPTH) {
      result.warnings.push(`${path}!/${name}: nested deeper than ${MAX_DEPTH} archives; skipped`);
      return undefined;
    }
    return readWanted(name, wantText, read);
  });
  async function readWanted(name: string, wantText: boolean, read: (limit: number) => Promise<Buffer>): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await read(wantText ? MAX_ENTRY_TEXT_BYTES : MAX_NESTED_BYTES);
    } catch (err) {
      result.warnings.push(`${path}!/${name}: ${(err as Error).message}; skipped`);
      return;
    }
    if (name === 'META-INF/MANIFEST.MF') manifestFields = manifest(bytes.toString('utf8'));
    else if (wantText) {
      const p = properties(bytes.toString('utf8'));
      if (p.groupId && p.artifactId && p.version) found.push({ type: 'maven', name: `${p.groupId}:${p.artifactId}`, version: p.version, location: location(path) });
    } else nested.push({ name, bytes });
  }
  if (found.length === 0 && manifestFields) {
    // Without pom.properties, only a manifest that names group, artifact and version identifies the library.
    const group = manifestFields['Implementation-Vendor-Id'];
    const artifact = manifestFields['Implementation-Title'];
    const version = manifestFields['Implementation-Version'];
    if (group && artifact && version && /^[\w.-]+$/.test(group) && /^[\w.-]+$/.test(artifact)) found.push({ type: 'maven', name: `${group}:${artifact}`, version, location: location(path) });
  }
  result.packages.push(...found);
  for (const { name, bytes } of nested) {
    try {
      await readArchive(bytes, `${path}!/${name}`, file, depth + 1, result);
    } catch (err) {
      result.warnings.push(`${path}!/${name}: not a readable archive (${(err as Error).message}); skipped`);
    }
  }
}

async function analyzeArchive(source: Buffer | RandomAccessFile, file: { path: string; layerDigest?: string }): Promise<AnalysisResult> {
  const result = emptyResult();
  try {
    await readArchive(source, file.path, file, 0, result);
  } catch (err) {
    result.warnings.push(`${file.path}: not a readable archive (${(err as Error).message}); skipped`);
  }
  return result;
}

/**
 * Java archives (jar, war, ear and plugins), nested ones included: Maven
 * coordinates from pom.properties, or from a complete manifest. On a disk it
 * reads the central directory and the wanted entries by position (`analyzeAt`).
 */
export const javaAnalyzer: Analyzer = {
  name: 'java',
  version: 1,
  pathHint: { nameSuffixes: ['.jar', '.war', '.ear', '.jpi', '.hpi'] },
  required: (path) => ARCHIVE.test(path),
  analyze: (file) => analyzeArchive(file.content, file),
  analyzeAt: (file) => analyzeArchive(file.file, file),
};
