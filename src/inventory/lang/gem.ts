import type { LanguagePackage } from '../../domain/package.js';
import { emptyResult, fileLocation, type AnalysisResult, type AnalyzerFile, type SyncAnalyzer } from '../analyzer.js';

const LOCKFILE = /(^|\/)(Gemfile\.lock|gems\.locked)$/;
// Installed gems: <GEM_HOME>/specifications/<name>-<version>.gemspec, and Ruby's default gems under specifications/default/.
const GEMSPEC = /(^|\/)specifications\/(default\/)?[^/]+\.gemspec$/;

const gem = (name: string, version: string, file: AnalyzerFile): LanguagePackage => ({ type: 'gem', name, version, location: fileLocation(file) });

/**
 * Gemfile.lock: the `specs:` of each `GEM` section (gems from a rubygems
 * source), four spaces in: `    name (version)` or `    name (version-platform)`.
 * As in Bundler's lockfile parser, the version ends at the first "-"
 * (`nokogiri (1.15.4-x86_64-linux)` is 1.15.4). PATH and GIT gems are
 * left out: they do not come from rubygems.org, so its advisories do not
 * name what they contain.
 */
function fromLockfile(file: AnalyzerFile, result: AnalysisResult): void {
  let section = '';
  let inSpecs = false;
  const seen = new Set<string>();
  for (const line of file.content.toString('utf8').split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      section = line.trim();
      inSpecs = false;
      continue;
    }
    if (section !== 'GEM') continue;
    if (/^ {2}specs:\s*$/.test(line)) {
      inSpecs = true;
      continue;
    }
    if (/^ {2}\S/.test(line)) inSpecs = false;
    if (!inSpecs) continue;
    const m = /^ {4}([^\s(]+) \(([^-)]+)(?:-[^)]*)?\)\s*$/.exec(line);
    if (!m) {
      if (/^ {4}\S/.test(line)) result.warnings.push(`${file.path}: unreadable spec line ${JSON.stringify(line.trim())}; skipped`);
      continue;
    }
    const [, name, version] = m as unknown as [string, string, string];
    if (seen.has(`${name}@${version}`)) continue; // one entry per platform of the same version
    seen.add(`${name}@${version}`);
    result.packages.push(gem(name, version, file));
  }
}

// `s.name = "rake".freeze`, `spec.version = '1.0'`, `s.version = Gem::Version.new("1.0")`.
const assignment = (variable: string, field: string) =>
  new RegExp(`^\\s*${variable}\\.${field}\\s*=\\s*(?:Gem::Version\\.new\\(\\s*)?(["'])([^"']+)\\1`, 'm');

/**
 * An installed gem's specification, as `gem install` writes it (the
 * Gem::Specification#to_ruby form): `Gem::Specification.new do |s|` with
 * `s.name = "rake".freeze` and `s.version = "13.0.6"`, and a
 * `# stub: rake 13.0.6 ruby lib` line that says the same.
 */
function fromGemspec(file: AnalyzerFile, result: AnalysisResult): void {
  const text = file.content.toString('utf8');
  const variable = /Gem::Specification\.new\s*(?:do|\{)\s*\|\s*(\w+)\s*\|/.exec(text)?.[1] ?? '(?:s|spec|gem)';
  const stub = /^# stub: (\S+) (\S+)/m.exec(text);
  const name = assignment(variable, 'name').exec(text)?.[2] ?? stub?.[1];
  const version = assignment(variable, 'version').exec(text)?.[2] ?? stub?.[2];
  if (name && version) result.packages.push(gem(name, version, file));
  else result.warnings.push(`${file.path}: no name or version; skipped`);
}

/** Ruby gems: Bundler lockfiles and the specifications of installed gems. */
export const gemAnalyzer: SyncAnalyzer = {
  name: 'gem',
  version: 1,
  pathHint: { names: ['gemfile.lock', 'gems.locked'], nameSuffixes: ['.gemspec'] },
  required: (path) => LOCKFILE.test(path) || GEMSPEC.test(path),
  analyze(file) {
    const result = emptyResult();
    if (LOCKFILE.test(file.path)) fromLockfile(file, result);
    else fromGemspec(file, result);
    return result;
  },
};
