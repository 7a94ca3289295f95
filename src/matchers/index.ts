import { alpineMatcher } from './alpine.js';
import { debianMatcher } from './debian.js';
import { languageMatcher } from './language.js';
import type { Matcher } from './matcher.js';

/** Every matcher, in one explicit list; the first that claims a package decides where it is looked up. */
export const matchers: readonly Matcher[] = [debianMatcher, alpineMatcher, languageMatcher];
