import type { OsRelease } from '../domain/package.js';
import type { Matcher, MatchTarget } from './matcher.js';
import { rpmTarget } from './rpm.js';

const ENTERPRISE = new Set(['sles', 'sled', 'sles_sap', 'sle-micro']);

/** "SUSE Linux Enterprise Server 15 SP5" → "15 SP5"; from VERSION "15-SP5" when PRETTY_NAME says less. */
function servicePack(os: OsRelease): string {
  const pretty = /(\d+(?: SP\d+)?)$/.exec(os.prettyName ?? '')?.[1];
  return pretty ?? (os.version ?? os.fullVersionId ?? os.versionId).replace('-', ' ').replace(/^(\d+)\.(\d+)$/, (_, a: string, b: string) => (b === '0' ? a : `${a} SP${b}`));
}

/**
 * SUSE Linux Enterprise and openSUSE, by source rpm. SUSE files a fix under
 * the product or module that ships the package ("SUSE:Linux Enterprise Module
 * for Basesystem 15 SP5", "SUSE:Linux Enterprise Server 15 SP5-LTSS"), so an
 * SLE host takes every Linux Enterprise product and module of its own service
 * pack, and nothing of other service packs or of openSUSE. openSUSE hosts take
 * their own distribution's entries only (`openSUSE:Leap 15.5`, `openSUSE:Tumbleweed`).
 */
export const suseMatcher: Matcher = {
  name: 'suse',
  target(pkg, os): MatchTarget | null {
    if (pkg.type !== 'rpm' || !os) return null;
    if (ENTERPRISE.has(os.id)) {
      const sp = servicePack(os);
      const product = (os.prettyName ?? `SUSE Linux Enterprise Server ${sp}`).replace(/^SUSE /, '');
      const own = new RegExp(`^SUSE:Linux Enterprise (?!Micro)[^:]* ${sp}(?:-[A-Z]+)?$`);
      return { ...rpmTarget(pkg, `SUSE:${product}`, { modules: false }), streams: { id: `sle-${sp}`, family: 'SUSE', accept: (e) => own.test(e) } };
    }
    if (os.id === 'opensuse-leap') return rpmTarget(pkg, `openSUSE:Leap ${os.fullVersionId ?? os.versionId}`, { modules: false });
    if (os.id === 'opensuse-tumbleweed') return rpmTarget(pkg, 'openSUSE:Tumbleweed', { modules: false });
    return null;
  },
};
