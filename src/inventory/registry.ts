import type { Analyzer } from './analyzer.js';
import { cargoAnalyzer } from './lang/cargo.js';
import { composerAnalyzer } from './lang/composer.js';
import { gemAnalyzer } from './lang/gem.js';
import { goBinaryAnalyzer } from './lang/go-binary.js';
import { javaAnalyzer } from './lang/java.js';
import { npmAnalyzer } from './lang/npm.js';
import { nugetAnalyzer } from './lang/nuget.js';
import { pythonAnalyzer } from './lang/python.js';
import { releaseFilesAnalyzer } from './os/release-files.js';
import { apkAnalyzer } from './pkg/apk.js';
import { dpkgAnalyzer } from './pkg/dpkg.js';
import { rpmAnalyzer } from './pkg/rpm.js';

/** Every analyzer a scan runs, in one explicit list. Add new ones here. */
export const analyzers: readonly Analyzer[] = [releaseFilesAnalyzer, dpkgAnalyzer, apkAnalyzer, rpmAnalyzer, npmAnalyzer, pythonAnalyzer, cargoAnalyzer, javaAnalyzer, goBinaryAnalyzer, gemAnalyzer, nugetAnalyzer, composerAnalyzer];
