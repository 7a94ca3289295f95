import type { Matcher } from './matcher.js';
import { rpmTarget } from './rpm.js';

/** Azure Linux (and CBL-Mariner, its earlier name), by source rpm, against its release's advisories (`Azure Linux:3`). */
export const azureLinuxMatcher: Matcher = {
  name: 'azurelinux',
  target(pkg, os) {
    if (pkg.type !== 'rpm' || (os?.id !== 'azurelinux' && os?.id !== 'mariner')) return null;
    const major = (os.fullVersionId ?? os.versionId).split('.')[0]!;
    // Both spellings of the release ("3" and "3.0") are looked in.
    return { ...rpmTarget(pkg, `Azure Linux:${major}`, { modules: false }), fallbacks: [`Azure Linux:${major}.0`] };
  },
};
