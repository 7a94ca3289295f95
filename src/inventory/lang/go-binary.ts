import type { LanguagePackage } from '../../domain/package.js';
import type { RandomAccessFile } from '../../sources/random-access.js';
import { emptyResult, fileLocation, type AnalysisResult, type SyncAnalyzer } from '../analyzer.js';

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
/**
 * Names of text, source, image and archive formats: none of them starts with
 * the ELF magic this analyzer requires, so a walk of a disk need not stat
 * them to learn their mode and size (most files of a host are such).
 */
const NOT_AN_EXECUTABLE =
  /\.(?:html?|xhtml|css|js|mjs|cjs|ts|mts|cts|tsx|jsx|map|json|ya?ml|toml|xml|xsd|txt|md|rst|adoc|tex|csv|ini|cfg|conf|py|pyc|pyo|pyi|pxd|pyx|rb|pm|pl|pod|php|lua|tcl|el|elc|vim|java|class|jar|war|whl|egg|kt|scala|go|mod|sum|rs|c|cc|cpp|cxx|h|hh|hpp|hxx|inc|s|asm|cmake|mk|am|in|m4|ac|pom|beam|erl|hrl|ex|exs|mo|po|pot|png|jpe?g|gif|svg|svgz|ico|bmp|webp|xpm|ttf|otf|woff2?|pfb|afm|gz|tgz|xz|bz2|zst|lz4|lzma|zip|7z|tar|deb|rpm|a|o|la|pem|crt|key|pub|list|md5sums|sha256sums|dectest|desktop|service|timer|rules|policy|schema|gir|typelib|qm|mat|pdf|ps)$/i;
/** Bytes of an ELF header, whichever the class (the 64-bit one is the longer). */
const ELF_HEADER = 64;
/** A section header string table larger than this is not a real one. */
const MAX_SECTION_NAMES = 1024 * 1024;
/** Build information larger than this is not real (a module list of thousands of lines is tens of kilobytes). */
const MAX_BUILDINFO = 16 * 1024 * 1024;
/** Without section headers, the build information is looked for in the start of the first data segment, as `go version` does. */
const DATA_SEARCH = 64 * 1024;
const SHT_NOBITS = 8;
const PT_LOAD = 1;
const PF_X = 1;
const PF_W = 2;

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

/** Reads one ELF field of 2, 4 or 8 bytes in the file's byte order. */
class ElfView {
  constructor(
    readonly is64: boolean,
    private readonly littleEndian: boolean,
  ) {}
  u16 = (b: Buffer, at: number) => (this.littleEndian ? b.readUInt16LE(at) : b.readUInt16BE(at));
  u32 = (b: Buffer, at: number) => (this.littleEndian ? b.readUInt32LE(at) : b.readUInt32BE(at));
  /** An address, offset or size: 8 bytes in ELF64, 4 in ELF32. */
  word = (b: Buffer, at: number) => (this.is64 ? Number(this.littleEndian ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at)) : this.u32(b, at));
}

/**
 * The bytes of the `.go.buildinfo` section of an ELF file, read by position:
 * the ELF header, the section header table, the section names, then that
 * section alone. A file without section headers (stripped with sstrip) is
 * searched as `go version` does, in the start of its first writable data
 * segment. Null when the file is not ELF or holds no build information.
 */
export async function readElfBuildInfo(file: RandomAccessFile): Promise<Buffer | null> {
  const header = await file.read(0, ELF_HEADER);
  if (header.length < 52 || !header.subarray(0, 4).equals(ELF)) return null;
  const elfClass = header[4];
  const data = header[5];
  if ((elfClass !== 1 && elfClass !== 2) || (data !== 1 && data !== 2) || (elfClass === 2 && header.length < ELF_HEADER)) return null;
  const elf = new ElfView(elfClass === 2, data === 1);
  const inFile = (offset: number, size: number) => offset >= 0 && size >= 0 && offset + size <= file.size;
  // Section headers: ELF64 e_shoff at 0x28, ELF32 at 0x20; their size, count and the names' index follow e_flags.
  const shoff = elf.word(header, elf.is64 ? 0x28 : 0x20);
  const shentsize = elf.u16(header, elf.is64 ? 0x3a : 0x2e);
  let shnum = elf.u16(header, elf.is64 ? 0x3c : 0x30);
  let shstrndx = elf.u16(header, elf.is64 ? 0x3e : 0x32);
  const minEntry = elf.is64 ? 64 : 40;
  if (shoff > 0 && shentsize >= minEntry) {
    // Extended numbering: the real count and names index are in section 0.
    if (shnum === 0 || shstrndx === 0xffff) {
      const first = await file.read(shoff, shentsize);
      if (first.length === shentsize) {
        if (shnum === 0) shnum = elf.word(first, elf.is64 ? 0x20 : 0x14);
        if (shstrndx === 0xffff) shstrndx = elf.u32(first, elf.is64 ? 0x28 : 0x18);
      }
    }
    if (shnum > 0 && shstrndx < shnum && inFile(shoff, shnum * shentsize)) {
      const table = await file.read(shoff, shnum * shentsize);
      const section = (i: number) => {
        const at = i * shentsize;
        return {
          name: elf.u32(table, at),
          type: elf.u32(table, at + 4),
          offset: elf.word(table, at + (elf.is64 ? 0x18 : 0x10)),
          size: elf.word(table, at + (elf.is64 ? 0x20 : 0x14)),
        };
      };
      const names = section(shstrndx);
      if (names.size <= MAX_SECTION_NAMES && inFile(names.offset, names.size)) {
        const strings = await file.read(names.offset, names.size);
        const wanted = Buffer.from('.go.buildinfo\0', 'latin1');
        for (let i = 0; i < shnum; i++) {
          const s = section(i);
          if (s.name + wanted.length > strings.length || !strings.subarray(s.name, s.name + wanted.length).equals(wanted)) continue;
          if (s.type === SHT_NOBITS || !inFile(s.offset, s.size)) return null;
          return file.read(s.offset, Math.min(s.size, MAX_BUILDINFO));
        }
        // Section headers and their names are there and none is .go.buildinfo: not a Go 1.18+ binary.
        return null;
      }
    }
  }
  return readFromDataSegment(file, header, elf);
}

/** As `go version` on a binary without section headers: the build information at a 16-byte boundary early in the first writable, non-executable PT_LOAD segment. */
async function readFromDataSegment(file: RandomAccessFile, header: Buffer, elf: ElfView): Promise<Buffer | null> {
  const phoff = elf.word(header, elf.is64 ? 0x20 : 0x1c);
  const phentsize = elf.u16(header, elf.is64 ? 0x36 : 0x2a);
  const phnum = elf.u16(header, elf.is64 ? 0x38 : 0x2c);
  if (phoff === 0 || phnum === 0 || phentsize < (elf.is64 ? 56 : 32) || phoff + phnum * phentsize > file.size) return null;
  const table = await file.read(phoff, phnum * phentsize);
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    const type = elf.u32(table, at);
    const flags = elf.u32(table, at + (elf.is64 ? 4 : 0x18));
    if (type !== PT_LOAD || (flags & (PF_X | PF_W)) !== PF_W) continue;
    const offset = elf.word(table, at + (elf.is64 ? 8 : 4));
    const filesz = elf.word(table, at + (elf.is64 ? 0x20 : 0x10));
    const start = await file.read(offset, Math.min(filesz, DATA_SEARCH));
    for (let hit = start.indexOf(MAGIC); hit !== -1; hit = start.indexOf(MAGIC, hit + 1)) {
      if ((offset + hit) % 16 === 0) return file.read(offset + hit, Math.min(filesz - hit, MAX_BUILDINFO));
    }
    return null;
  }
  return null;
}

const usable = (version: string) => version !== '' && version !== '(devel)';

/** The packages of a Go binary's build information. */
function packagesOf(info: GoBuildInfo | null, file: { path: string; layerDigest?: string }): AnalysisResult {
  const result = emptyResult();
  if (!info) return result;
  const location = fileLocation(file);
  const pkg = (name: string, version: string): LanguagePackage => ({ type: 'go', name, version, location });
  // OSV lists Go standard library advisories under the module "stdlib".
  const goRelease = /^go(\d+\.\d+(?:\.\d+)?)/.exec(info.goVersion)?.[1];
  if (goRelease) result.packages.push(pkg('stdlib', goRelease));
  if (info.main && usable(info.main.version)) result.packages.push(pkg(info.main.path, info.main.version));
  for (const dep of info.deps) if (usable(dep.version)) result.packages.push(pkg(dep.path, dep.version));
  return result;
}

/**
 * Go binaries: the module versions and the Go release compiled into them.
 * Any executable ELF file may be one, so it selects by mode and size. On a
 * disk it reads only the ELF headers and the build-information section
 * (`analyzeAt`); a tar entry, already in memory, is searched whole.
 */
export const goBinaryAnalyzer: SyncAnalyzer = {
  name: 'go-binary',
  version: 1,
  required: (_path, info) => info !== undefined && (info.mode & 0o111) !== 0 && info.size >= MIN_BINARY && info.size <= MAX_BINARY,
  needsInfo: (path) => !NOT_AN_EXECUTABLE.test(path),
  analyze(file): AnalysisResult {
    if (!file.content.subarray(0, 4).equals(ELF)) return emptyResult();
    return packagesOf(parseGoBuildInfo(file.content), file);
  },
  async analyzeAt(file): Promise<AnalysisResult> {
    const section = await readElfBuildInfo(file.file);
    return packagesOf(section ? parseGoBuildInfo(section) : null, file);
  },
};
