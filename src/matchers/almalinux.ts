import type { Matcher } from './matcher.js';
import { rpmTarget } from './rpm.js';

/** AlmaLinux, by source rpm, against its own advisories for the major release (`AlmaLinux:9`). */
export const almaLinuxMatcher: Matcher = {
  name: 'almalinux',
  target: (pkg, os) => (pkg.type === 'rpm' && os?.id === 'almalinux' ? rpmTarget(pkg, `AlmaLinux:${os.versionId}`, { modules: true }) : null),
};
