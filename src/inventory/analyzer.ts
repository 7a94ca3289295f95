import type { Location, OsRelease, Package } from '../domain/package.js';
import type { FileInfo } from '../sources/layers/walk-layer.js';

/** One file handed to an analyzer: its path inside the artifact (no leading slash) and its bytes. */
export interface AnalyzerFile {
  path: string;
  content: Buffer;
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
 */
export interface Analyzer {
  name: string;
  version: number;
  /** `info` (mode, size) is there when the source knows it; analyzers of executables need it. */
  required(path: string, info?: FileInfo): boolean;
  /** Archive formats (jars) are read asynchronously; the text formats answer at once (SyncAnalyzer). */
  analyze(file: AnalyzerFile): AnalysisResult | Promise<AnalysisResult>;
}

/** An analyzer of a plain file format, which answers without waiting. */
export interface SyncAnalyzer extends Analyzer {
  analyze(file: AnalyzerFile): AnalysisResult;
}

export const emptyResult = (): AnalysisResult => ({ packages: [], warnings: [] });

/** Where a package read from this file was found. */
export const fileLocation = (file: AnalyzerFile): Location => ({ path: file.path, ...(file.layerDigest ? { layerDigest: file.layerDigest } : {}) });
