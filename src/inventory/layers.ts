import type { OsRelease, Package } from '../domain/package.js';
import type { FileInfo, FileSink, LayerContents, WantedFile } from '../sources/layers/walk-layer.js';
import type { AnalysisResult, Analyzer, AnalyzerFile } from './analyzer.js';
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

/** Runs every analyzer that wants the file on it. */
async function analyzeFile(file: AnalyzerFile, info: FileInfo | undefined, analyzers: readonly Analyzer[]): Promise<AnalysisResult[]> {
  const results: AnalysisResult[] = [];
  for (const analyzer of analyzers) if (analyzer.required(file.path, info)) results.push(await analyzer.analyze(file));
  return results;
}

/**
 * Analyses a layer (or root file system) as it is read: each wanted file is
 * analysed the moment it arrives and then let go, so memory holds one file
 * at a time however many the analyzers ask for.
 */
export async function analyzeStreaming(
  digest: string,
  read: (wanted: WantedFile, sink: FileSink) => Promise<LayerContents>,
  analyzers: readonly Analyzer[],
): Promise<LayerInventory> {
  const results: LayerInventory['results'] = [];
  const wanted: WantedFile = (path, info) => analyzers.some((a) => a.required(path, info));
  const contents = await read(wanted, async (path, content, info) => {
    for (const result of await analyzeFile({ path, content, layerDigest: digest }, info, analyzers)) results.push({ path, result });
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
