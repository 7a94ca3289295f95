import type { OsRelease } from '../domain/package.js';
import type { Matcher } from './matcher.js';
import { rpmTarget } from './rpm.js';

/**
 * The openEuler release advisories are keyed by: "22.03-LTS-SP1" from os-release's
 * VERSION "22.03 (LTS-SP1)" (or PRETTY_NAME "openEuler 22.03 (LTS-SP1)"); an
 * innovation release has no qualifier (and no advisories: openEuler covers LTS only).
 */
export function openEulerRelease(os: OsRelease): string {
  for (const text of [os.version, os.prettyName]) {
    const m = /(\d{2}\.\d{2})\s*(?:\((LTS(?:[- ]SP\d+)?)\))?/.exec(text ?? '');
    if (m) return m[2] ? `${m[1]}-${m[2].replace(' ', '-')}` : m[1]!;
  }
  return os.fullVersionId ?? os.versionId;
}

/** openEuler, by source rpm, against the advisories of its exact LTS and service pack (`openEuler:22.03-LTS-SP1`). */
export const openEulerMatcher: Matcher = {
  name: 'openeuler',
  target: (pkg, os) => (pkg.type === 'rpm' && os?.id === 'openeuler' ? rpmTarget(pkg, `openEuler:${openEulerRelease(os)}`, { modules: false }) : null),
};
