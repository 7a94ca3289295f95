import semver from 'semver';
import { defineComparator, InvalidRangeError, UnparsableVersionError, type ParsedVersion } from './types.js';

/** A SemVer 2.0 version as node-semver parses it in strict mode (a leading "v" is tolerated, as npm does). */
export interface NpmVersion extends ParsedVersion {
  readonly scheme: 'npm';
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
  readonly build: readonly string[];
  /** The normalised form ("1.2.3-rc.1"), without build metadata. */
  readonly version: string;
}

function analyse(raw: string): NpmVersion | string {
  const parsed = semver.parse(raw, { loose: false });
  if (parsed === null) return 'not a strict SemVer 2.0 version';
  return {
    scheme: 'npm',
    raw,
    major: parsed.major,
    minor: parsed.minor,
    patch: parsed.patch,
    prerelease: parsed.prerelease,
    build: parsed.build,
    version: parsed.version,
  };
}

export const npmComparator = defineComparator<NpmVersion>('npm', analyse, (a, b) => semver.compare(a.version, b.version));

export interface NpmRangeOptions {
  /**
   * npm normally keeps pre-releases out of ranges that do not name one, to stop
   * installs drifting onto them; for vulnerability ranges that would hide
   * 2.0.0-rc.1 from "<2.0.0", so pre-releases are included unless asked not to be.
   */
  readonly includePrerelease?: boolean;
}

/** Whether an npm version satisfies an npm range ("^1.2.0 || >=2.1.0 <2.3.1", "1.x", "~1.2"...). */
export function satisfiesNpmRange(version: string, range: string, options: NpmRangeOptions = {}): boolean {
  const parsed = analyse(version);
  if (typeof parsed === 'string') throw new UnparsableVersionError('npm', version, parsed);
  const opts = { includePrerelease: options.includePrerelease ?? true, loose: false };
  if (semver.validRange(range, opts) === null) throw new InvalidRangeError('npm', range, 'not a valid npm range');
  return semver.satisfies(parsed.version, range, opts);
}
