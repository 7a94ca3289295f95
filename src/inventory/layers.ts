import type { OsRelease, Package } from '../domain/package.js';
import type { FileInfo, FileSelection, FileSink, LayerContents } from '../sources/layers/walk-layer.js';
import { bufferFile, readWhole, type RandomAccessFile } from '../sources/random-access.js';
import type { AnalysisResult, Analyzer } from './analyzer.js';
import { pathFilterOf } from './path-filter.js';
import { RELEASE_FILE_PRIORITY, releaseFileKind } from './os/release-files.js';

/** One layer's analysis: results by path, plus what the layer removes below it. Small enough to cache by layer digest. */
export interface LayerInventory {
  digest: string;
  results: Array<{ path: string; result: AnalysisResult }>;
  whiteouts: string[];
  opaqueDirs: string[];
  warnings: string[];
}

/** What an artifact holds once every layer is applied. */
export interface Inventory {
  os?: OsRelease;
  packages: Package[];
  warnings: string[];
}

/**
 * Runs every analyzer that wants the file on it: by position when the source
 * handed an open file and the analyzer can, on the whole bytes otherwise.
 */
async function analyzeFile(path: string, source: Buffer | RandomAccessFile, info: FileInfo, layerDigest: string, analyzers: readonly Analyzer[]): Promise<AnalysisResult[]> {
  const results: AnalysisResult[] = [];
  let content = Buffer.isBuffer(source) ? source : undefined;
  for (const analyzer of analyzers) {
    if (!analyzer.required(path, info)) continue;
    if (analyzer.analyzeAt && !content) {
      results.push(await analyzer.analyzeAt({ path, file: source as RandomAccessFile, layerDigest }));
      continue;
    }
    content ??= await readWhole(source as RandomAccessFile);
    results.push(await analyzer.analyze({ path, content, layerDigest }));
  }
  return results;
}

/**
 * What a set of analyzers asks of a source: which files (by path alone when
 * it can, by mode and size for the analyzers that need them), and whether
 * positional reads of a file suffice (every analyzer wanting it has `analyzeAt`).
 */
export function selectionOf(analyzers: readonly Analyzer[]): FileSelection {
  // Asked of every file of a disk: one test of the path against every analyzer's hint, then `required` of the few it leaves.
  const filter = pathFilterOf(analyzers.filter((a) => !a.needsInfo));
  const byInfo = analyzers.filter((a) => a.needsInfo);
  const wanting = (path: string, info: FileInfo) => filter.candidates(path).some((a) => a.required(path, info)) || byInfo.some((a) => a.required(path, info));
  return Object.assign(wanting, {
    byPath: (path: string) => (filter.candidates(path).some((a) => a.required(path)) ? true : byInfo.some((a) => a.needsInfo!(path)) ? ('info' as const) : false),
    randomAccess: (path: string, info: FileInfo) => analyzers.every((a) => a.analyzeAt !== undefined || !a.required(path, info)),
  });
}

/** A tar can hold a path more than once; as on extraction, the last copy counts, so what earlier copies gave is dropped. */
function forgetEarlierCopy(results: LayerInventory['results'], seen: Set<string>, path: string): void {
  if (!seen.has(path)) {
    seen.add(path);
    return;
  }
  for (let i = results.length - 1; i >= 0; i--) if (results[i]!.path === path) results.splice(i, 1);
}

/**
 * Analyses a layer (or root file system) as it is read: each wanted file is
 * analysed the moment it arrives and then let go, so memory holds one file
 * at a time however many the analyzers ask for. A disk source hands open
 * files to the analyzers that read by position, so only what they ask is read.
 */
export async function analyzeStreaming(
  digest: string,
  read: (wanted: FileSelection, sink: FileSink) => Promise<LayerContents>,
  analyzers: readonly Analyzer[],
): Promise<LayerInventory> {
  const results: LayerInventory['results'] = [];
  const seen = new Set<string>();
  const contents = await read(selectionOf(analyzers), async (path, content, info) => {
    forgetEarlierCopy(results, seen, path);
    for (const result of await analyzeFile(path, content, info, digest, analyzers)) results.push({ path, result });
  });
  return { digest, results, whiteouts: contents.whiteouts, opaqueDirs: contents.opaqueDirs, warnings: contents.warnings };
}

/** Runs every analyzer that wants a file on that file of the layer. */
export async function analyzeLayer(digest: string, contents: LayerContents, analyzers: readonly Analyzer[]): Promise<LayerInventory> {
  const results: LayerInventory['results'] = [];
  for (const [path, content] of contents.files) {
    for (const analyzer of analyzers) {
      if (analyzer.required(path)) results.push({ path, result: await analyzer.analyze({ path, content, layerDigest: digest }) });
    }
  }
  return { digest, results, whiteouts: contents.whiteouts, opaqueDirs: contents.opaqueDirs, warnings: contents.warnings };
}

const isUnder = (path: string, dir: string) => dir === '' || path === dir || path.startsWith(`${dir}/`);

/**
 * Applies layers bottom to top, as the container runtime would: a layer's
 * opaque directories and whiteouts remove what lower layers put there, then
 * its own files replace lower ones at the same path. The operating system
 * comes from the most trusted release file left (os-release first).
 */
export function mergeLayers(layers: readonly LayerInventory[]): Inventory {
  const byPath = new Map<string, AnalysisResult[]>();
  const warnings: string[] = [];
  for (const layer of layers) {
    for (const dir of layer.opaqueDirs) for (const path of [...byPath.keys()]) if (isUnder(path, dir) && path !== dir) byPath.delete(path);
    for (const gone of layer.whiteouts) for (const path of [...byPath.keys()]) if (isUnder(path, gone)) byPath.delete(path);
    const fresh = new Map<string, AnalysisResult[]>();
    for (const { path, result } of layer.results) fresh.set(path, [...(fresh.get(path) ?? []), result]);
    for (const [path, results] of fresh) byPath.set(path, results);
    warnings.push(...layer.warnings.map((w) => `layer ${layer.digest}: ${w}`));
  }
  let os: OsRelease | undefined;
  let osRank = Infinity;
  const packages: Package[] = [];
  for (const [path, results] of byPath) {
    for (const result of results) {
      packages.push(...result.packages);
      warnings.push(...result.warnings);
      const kind = releaseFileKind(path);
      const rank = kind ? RELEASE_FILE_PRIORITY.indexOf(kind) : Infinity;
      if (result.os && rank < osRank) {
        os = result.os;
        osRank = rank;
      }
    }
  }
  return { ...(os ? { os } : {}), packages, warnings };
}
