import { almaLinuxMatcher } from './almalinux.js';
import { alpineMatcher } from './alpine.js';
import { azureLinuxMatcher } from './azurelinux.js';
import { debianMatcher } from './debian.js';
import { languageMatcher } from './language.js';
import type { Matcher } from './matcher.js';
import { openEulerMatcher } from './openeuler.js';
import { redhatMatcher } from './redhat.js';
import { rockyMatcher } from './rocky.js';
import { suseMatcher } from './suse.js';
import { ubuntuMatcher } from './ubuntu.js';
import { wolfiMatcher } from './wolfi.js';

/** Every matcher, in one explicit list; the first that claims a package decides where it is looked up. */
export const matchers: readonly Matcher[] = [
  debianMatcher,
  ubuntuMatcher,
  redhatMatcher,
  rockyMatcher,
  almaLinuxMatcher,
  openEulerMatcher,
  suseMatcher,
  azureLinuxMatcher,
  alpineMatcher,
  wolfiMatcher,
  languageMatcher,
];

/**
 * Operating systems whose packages openhss deliberately does not match, and
 * why: reports say this instead of letting their hosts pass as clean.
 */
export const UNMATCHED_OS_REASONS: Readonly<Record<string, string>> = {
  hce: 'Huawei Cloud EulerOS publishes no machine-readable advisory feed (none in OSV), so its packages are not matched',
  euleros: 'EulerOS publishes no machine-readable advisory feed (none in OSV), so its packages are not matched',
};
