import type { Matcher } from './matcher.js';

/** Debian packages, by source package and source version, against Debian's data for the image's release only. */
export const debianMatcher: Matcher = {
  name: 'debian',
  target(pkg, os) {
    if (pkg.type !== 'deb' || os?.id !== 'debian') return null;
    return { ecosystem: `Debian:${os.versionId}`, name: pkg.source.name, version: pkg.source.version, scheme: 'deb' };
  },
};
