import type { LanguagePackage } from '../../domain/package.js';
import { emptyResult, type AnalysisResult, type SyncAnalyzer } from '../analyzer.js';

/** Go (1.18+) writes this at the start of the .go.buildinfo section of every binary it links. */
const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_BYTES = 32;
const FLAG_INLINE_STRINGS = 0x2;
/** modinfo is wrapped in 16-byte sentinels. */
const SENTINEL_BYTES = 16;
/** The smallest Go program links to over a megabyte; skipping smaller executables spares reading hundreds of C tools per image. */
const MIN_BINARY = 1024 * 1024;
const MAX_BINARY = 256 * 1024 * 1024;
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export interface GoBuildInfo {
  goVersion: string;
  main?: { path: string; version: string };
  deps: Array<{ path: string; version: string }>;
}

function readVarint(buf: Buffer, offset: number): { value: number; next: number } | null {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < buf.length && i < offset + 10; i++) {
    const byte = buf[i]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  return null;
}

function readString(buf: Buffer, offset: number): { value: string; next: number } | null {
  const length = readVarint(buf, offset);
  if (!length || length.next + length.value > buf.length) return null;
  return { value: buf.toString('utf8', length.next, length.next + length.value), next: length.next + length.value };
}

/** Reads the Go version and module list a binary was built with; null when it is not a Go 1.18+ binary. */
export function parseGoBuildInfo(buf: Buffer): GoBuildInfo | null {
  for (let at = buf.indexOf(MAGIC); at !== -1; at = buf.indexOf(MAGIC, at + 1)) {
    // The section is 16-byte aligned; other hits are data that merely contains the text.
    if (at % 16 !== 0 || at + HEADER_BYTES > buf.length) continue;
    const flags = buf[at + 15]!;
    if ((flags & FLAG_INLINE_STRINGS) === 0) return null;
    const version = readString(buf, at + HEADER_BYTES);
    if (!version) return null;
    const modinfo = readString(buf, version.next);
    const info: GoBuildInfo = { goVersion: version.value, deps: [] };
    if (!modinfo || modinfo.value.length < 2 * SENTINEL_BYTES) return info;
    const lines = modinfo.value.slice(SENTINEL_BYTES, -SENTINEL_BYTES).split('\n');
    for (const line of lines) {
      const [kind, path, moduleVersion] = line.split('\t');
      if (!path || !moduleVersion) continue;
      if (kind === 'mod') info.main = { path, version: moduleVersion };
      else if (kind === 'dep') info.deps.push({ path, version: moduleVersion });
      // A replacement stands for the dependency just above it: that is the code that was built in.
      else if (kind === '=>' && info.deps.length > 0) info.deps[info.deps.length - 1] = { path, version: moduleVersion };
    }
    return info;
  }
  return null;
}

const usable = (version: string) => version !== '' && version !== '(devel)';

/**
 * Go binaries: the module versions and the Go release compiled into them.
 * Any executable ELF file may be one, so it selects by mode and size.
 */
export const goBinaryAnalyzer: SyncAnalyzer = {
  name: 'go-binary',
  version: 1,
  required: (_path, info) => info !== undefined && (info.mode & 0o111) !== 0 && info.size >= MIN_BINARY && info.size <= MAX_BINARY,
  analyze(file): AnalysisResult {
    const result = emptyResult();
    if (!file.content.subarray(0, 4).equals(ELF)) return result;
    const info = parseGoBuildInfo(file.content);
    if (!info) return result;
    const location = { path: file.path, ...(file.layerDigest ? { layerDigest: file.layerDigest } : {}) };
    const pkg = (name: string, version: string): LanguagePackage => ({ type: 'go', name, version, location });
    // OSV lists Go standard library advisories under the module "stdlib".
    const goRelease = /^go(\d+\.\d+(?:\.\d+)?)/.exec(info.goVersion)?.[1];
    if (goRelease) result.packages.push(pkg('stdlib', goRelease));
    if (info.main && usable(info.main.version)) result.packages.push(pkg(info.main.path, info.main.version));
    for (const dep of info.deps) if (usable(dep.version)) result.packages.push(pkg(dep.path, dep.version));
    return result;
  },
};
