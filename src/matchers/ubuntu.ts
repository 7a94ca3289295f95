import type { OsRelease } from '../domain/package.js';
import type { Matcher } from './matcher.js';

/** "Ubuntu:22.04:LTS" for an LTS release, "Ubuntu:23.10" otherwise (os-release VERSION says "LTS"; even-year .04 releases are LTS). */
export function ubuntuRelease(os: OsRelease): string {
  const lts = /\bLTS\b/.test(`${os.version ?? ''} ${os.prettyName ?? ''}`) || /^\d*[02468]\.04$/.test(os.versionId);
  return `${os.versionId}${lts ? ':LTS' : ''}`;
}

/**
 * Ubuntu packages, by source package and dpkg version, against Ubuntu's data
 * for the host's release; Ubuntu Pro (ESM) data fills in what the release's
 * own data does not cover (fixes that landed only in ESM).
 */
export const ubuntuMatcher: Matcher = {
  name: 'ubuntu',
  target(pkg, os) {
    if (pkg.type !== 'deb' || os?.id !== 'ubuntu') return null;
    const release = ubuntuRelease(os);
    return { ecosystem: `Ubuntu:${release}`, fallbacks: [`Ubuntu:Pro:${release}`], name: pkg.source.name, version: pkg.source.version, scheme: 'deb' };
  },
};
