#!/usr/bin/env node
// `npm start` and `npm test` run this instead of `npm run build`: it runs the
// build (tsc for the server, vite for the web console) only when dist/ is
// missing or older than the sources, so a start with nothing changed costs no
// compile. A successful build leaves
// dist/.build-stamp: its time is when that build started (so a file saved
// during the build counts as changed) and its text lists the sources it saw
// (so a deleted or renamed file counts too).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folders whose files the build reads: the server's sources and the web console's (with its vite config). */
const SOURCE_DIRS = ['src', 'console'];
/** Folders below those that are not sources. */
const NOT_SOURCES = new Set(['node_modules', 'dist', '.vite']);
/** What the build reads besides those folders. */
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json'];
/** What a build leaves; missing, dist/ is rebuilt. */
const OUTPUTS = ['dist/cli/main.js', 'dist/console/index.html'];
const STAMP = 'dist/.build-stamp';

function sourcesUnder(root, dir, out) {
  if (!existsSync(join(root, dir))) return out;
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!NOT_SOURCES.has(entry.name)) sourcesUnder(root, path, out);
    } else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Every file the build depends on, relative to `root`, sorted. */
export function buildInputs(root) {
  return [...SOURCE_DIRS.flatMap((dir) => sourcesUnder(root, dir, [])), ...CONFIG_FILES.filter((f) => existsSync(join(root, f)))].sort();
}

/** Why dist/ under `root` must be rebuilt, or null when it is up to date. */
export function staleReason(root) {
  const stampFile = join(root, STAMP);
  if (!existsSync(stampFile) || OUTPUTS.some((file) => !existsSync(join(root, file)))) return 'dist/ has not been built';
  const builtAt = statSync(stampFile).mtimeMs;
  const inputs = buildInputs(root);
  if (readFileSync(stampFile, 'utf8') !== inputs.join('\n')) return 'source files were added or removed';
  const changed = inputs.find((path) => statSync(join(root, path)).mtimeMs > builtAt);
  return changed ? `${changed} changed` : null;
}

/** Records a successful build of `root` that started at `startedMs`. */
export function writeStamp(root, startedMs, inputs = buildInputs(root)) {
  const stampFile = join(root, STAMP);
  writeFileSync(stampFile, inputs.join('\n'));
  utimesSync(stampFile, startedMs / 1000, startedMs / 1000);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = process.cwd();
  const reason = staleReason(root);
  if (reason !== null) {
    process.stderr.write(`openhss: building dist/ (tsc for the server, vite for the console) because ${reason}; this takes a minute or two…\n`);
    const started = Date.now();
    const inputs = buildInputs(root);
    const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
    const result = spawnSync(npm[0], [...npm[1], 'run', '--silent', 'build'], { stdio: 'inherit', cwd: root });
    if (result.status !== 0) process.exit(result.status ?? 1);
    writeStamp(root, started, inputs);
  }
}
