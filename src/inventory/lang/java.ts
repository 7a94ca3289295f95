import type { LanguagePackage } from '../../domain/package.js';
import yauzl from 'yauzl';
import { emptyResult, type AnalysisResult, type Analyzer, type AnalyzerFile } from '../analyzer.js';

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

function openZip(buffer: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.fromBuffer(buffer, { lazyEntries: true, decodeStrings: true }, (err, zip) => (err ? reject(err) : resolve(zip!))));
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (entry.uncompressedSize > limit) return reject(new Error(`${entry.fileName} is ${entry.uncompressedSize} bytes, over the ${limit}-byte limit`));
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) stream.destroy(new Error(`${entry.fileName} expands beyond ${limit} bytes`));
        else chunks.push(c);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Reads one archive: its own Maven coordinates, then the archives nested in it. */
async function readArchive(buffer: Buffer, path: string, file: AnalyzerFile, depth: number, result: AnalysisResult): Promise<void> {
  const zip = await openZip(buffer);
  const found: LanguagePackage[] = [];
  let manifestFields: Record<string, string> | undefined;
  const nested: Array<{ name: string; bytes: Buffer }> = [];
  const location = (p: string) => ({ path: p, ...(file.layerDigest ? { layerDigest: file.layerDigest } : {}) });
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      const next = () => zip.readEntry();
      const wantText = POM_PROPERTIES.test(name) || name === 'META-INF/MANIFEST.MF';
      const wantNested = ARCHIVE.test(name) && !name.endsWith('/');
      if (!wantText && !wantNested) return next();
      if (wantNested && depth >= MAX_DEPTH) {
        result.warnings.push(`${path}!/${name}: nested deeper than ${MAX_DEPTH} archives; skipped`);
        return next();
      }
      readEntry(zip, entry, wantText ? MAX_ENTRY_TEXT_BYTES : MAX_NESTED_BYTES).then(
        (bytes) => {
          if (name === 'META-INF/MANIFEST.MF') manifestFields = manifest(bytes.toString('utf8'));
          else if (wantText) {
            const p = properties(bytes.toString('utf8'));
            if (p.groupId && p.artifactId && p.version) found.push({ type: 'maven', name: `${p.groupId}:${p.artifactId}`, version: p.version, location: location(path) });
          } else nested.push({ name, bytes });
          next();
        },
        (err: Error) => {
          result.warnings.push(`${path}!/${name}: ${err.message}; skipped`);
          next();
        },
      );
    });
    zip.readEntry();
  });
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

/** Java archives (jar, war, ear and plugins), nested ones included: Maven coordinates from pom.properties, or from a complete manifest. */
export const javaAnalyzer: Analyzer = {
  name: 'java',
  version: 1,
  required: (path) => ARCHIVE.test(path),
  async analyze(file) {
    const result = emptyResult();
    try {
      await readArchive(file.content, file.path, file, 0, result);
    } catch (err) {
      result.warnings.push(`${file.path}: not a readable archive (${(err as Error).message}); skipped`);
    }
    return result;
  },
};
