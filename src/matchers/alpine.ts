import type { Matcher } from './matcher.js';

/** Alpine packages, by origin (the aport), against the secdb of the image's release only. */
export const alpineMatcher: Matcher = {
  name: 'alpine',
  target(pkg, os) {
    if (pkg.type !== 'apk' || os?.id !== 'alpine') return null;
    return { ecosystem: `Alpine:v${os.versionId}`, name: pkg.origin, version: pkg.version, scheme: 'apk' };
  },
};
