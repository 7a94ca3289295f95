import type { Location, OsRelease, Package } from '../domain/package.js';
import type { FileInfo } from '../sources/layers/walk-layer.js';
import type { RandomAccessFile } from '../sources/random-access.js';

/** One file handed to an analyzer: its path inside the artifact (no leading slash) and its bytes. */
export interface AnalyzerFile {
  path: string;
  content: Buffer;
  layerDigest?: string;
}

/** One file handed to an analyzer that reads by position (`analyzeAt`): only the parts it asks for are read. */
export interface RandomAccessAnalyzerFile {
  path: string;
  file: RandomAccessFile;
  layerDigest?: string;
}

export interface AnalysisResult {
  os?: OsRelease;
  packages: Package[];
  /** Entries skipped, with why (a malformed stanza, an unknown field value). */
  warnings: string[];
}

/**
 * An analyzer looks at paths only to decide what it needs (`required`), so a
 * layer is streamed once and only the files some analyzer asked for are
 * buffered. Its version is part of the per-layer cache key: bump it whenever
 * its output for the same input could change.
 *
 * A walk of a disk costs a stat only for the files whose mode or size an
 * analyzer needs (`needsInfo`), and hands an open file instead of its bytes
 * when every analyzer wanting it reads by position (`analyzeAt`). A tar
 * stream cannot seek: it buffers the file and calls `analyze`.
 */
/**
 * What an analyzer's `required(path)` may accept, as plain strings, so a walk
 * of a disk tests each path once against all analyzers (pathFilterOf) and
 * asks `required` only of the analyzers whose hint the path meets. It must
 * cover every path `required(path)` accepts; it may cover more.
 * `paths` and `prefixes` are compared as given; names (the last segment) in
 * lower case. The walk looks at names first: keep `prefixes` few.
 */
export interface PathHint {
  /** Whole paths. */
  paths?: readonly string[];
  /** Beginnings of paths. */
  prefixes?: readonly string[];
  /** Whole file names, in lower case. */
  names?: readonly string[];
  /** Endings of file names, in lower case, each beginning with a dot ('.jar', '.deps.json'). */
  nameSuffixes?: readonly string[];
}

export interface Analyzer {
  name: string;
  version: number;
  /** Without it, `required(path)` is asked of every path. */
  pathHint?: PathHint;
  /** `info` (mode, size) is there when the source knows it; analyzers of executables need it. */
  required(path: string, info?: FileInfo): boolean;
  /**
   * For an analyzer that selects by mode or size: whether `required` may want
   * this path once it knows them (a walk of a disk stats only those files).
   * Without it, `required(path)` decides from the path alone.
   */
  needsInfo?(path: string): boolean;
  /** Archive formats (jars) are read asynchronously; the text formats answer at once (SyncAnalyzer). */
  analyze(file: AnalyzerFile): AnalysisResult | Promise<AnalysisResult>;
  /** The same analysis by positional reads, for large files of which a few parts matter (executables). */
  analyzeAt?(file: RandomAccessAnalyzerFile): Promise<AnalysisResult>;
}

/** An analyzer of a plain file format, which answers without waiting. */
export interface SyncAnalyzer extends Analyzer {
  analyze(file: AnalyzerFile): AnalysisResult;
}

export const emptyResult = (): AnalysisResult => ({ packages: [], warnings: [] });

/** Where a package read from this file was found. */
export const fileLocation = (file: { path: string; layerDigest?: string }): Location => ({ path: file.path, ...(file.layerDigest ? { layerDigest: file.layerDigest } : {}) });
