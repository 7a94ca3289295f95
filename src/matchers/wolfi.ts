import type { Matcher } from './matcher.js';

const ROLLING: Record<string, string> = { wolfi: 'Wolfi', chainguard: 'Chainguard' };

/** Wolfi and Chainguard OS: rolling apk distributions with one ecosystem each, keyed by package name. */
export const wolfiMatcher: Matcher = {
  name: 'wolfi',
  target(pkg, os) {
    const ecosystem = os ? ROLLING[os.id] : undefined;
    if (pkg.type !== 'apk' || !ecosystem) return null;
    return { ecosystem, name: pkg.name, ...(pkg.origin !== pkg.name ? { altNames: [pkg.origin] } : {}), version: pkg.version, scheme: 'apk' };
  },
};
