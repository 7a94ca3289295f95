import type { Matcher } from './matcher.js';
import { rpmTarget } from './rpm.js';

/**
 * Red Hat Enterprise Linux, and CentOS as the RHEL release it rebuilds: every
 * repository stream of the major release (`Red Hat:enterprise_linux:9::baseos`,
 * `…::appstream`, `…::crb`), by source or binary rpm name, module streams apart.
 */
export const redhatMatcher: Matcher = {
  name: 'redhat',
  target(pkg, os) {
    if (pkg.type !== 'rpm' || (os?.id !== 'rhel' && os?.id !== 'centos')) return null;
    const major = os.versionId;
    const prefix = `Red Hat:enterprise_linux:${major}::`;
    // The host's own stream, from os-release's CPE_NAME, names the findings; every stream of the release applies.
    const own = os.id === 'rhel' ? /^cpe:\/o:redhat:(enterprise_linux:\d+::[a-z_]+)$/.exec(os.cpeName ?? '')?.[1] : undefined;
    return {
      ...rpmTarget(pkg, `Red Hat:${own ?? `enterprise_linux:${major}::baseos`}`, { modules: true }),
      streams: { id: `redhat-el${major}`, family: 'Red Hat', accept: (e) => e.startsWith(prefix) },
      ...(os.id === 'centos' ? { dataNote: `CentOS ${major} publishes no advisories of its own: matched with Red Hat Enterprise Linux ${major} data` } : {}),
    };
  },
};
