import type { Matcher } from './matcher.js';
import { rpmTarget } from './rpm.js';

/** Rocky Linux, by source rpm, against its own advisories for the major release (`Rocky Linux:9`). */
export const rockyMatcher: Matcher = {
  name: 'rocky',
  target: (pkg, os) => (pkg.type === 'rpm' && os?.id === 'rocky' ? rpmTarget(pkg, `Rocky Linux:${os.versionId}`, { modules: true }) : null),
};
