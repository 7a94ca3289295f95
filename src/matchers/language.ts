import type { LanguagePackage } from '../domain/package.js';
import type { VersionScheme } from '../versioning/index.js';
import type { Matcher } from './matcher.js';

const ECOSYSTEMS: Record<LanguagePackage['type'], { ecosystem: string; scheme: VersionScheme }> = {
  npm: { ecosystem: 'npm', scheme: 'npm' },
  pypi: { ecosystem: 'PyPI', scheme: 'pep440' },
  go: { ecosystem: 'Go', scheme: 'go' },
  maven: { ecosystem: 'Maven', scheme: 'maven' },
  // Cargo versions are SemVer 2.0, which the npm comparator implements.
  cargo: { ecosystem: 'crates.io', scheme: 'npm' },
  gem: { ecosystem: 'RubyGems', scheme: 'rubygems' },
  nuget: { ecosystem: 'NuGet', scheme: 'nuget' },
  composer: { ecosystem: 'Packagist', scheme: 'composer' },
};

/** Language packages against their ecosystem's OSV data, wherever they were installed. */
export const languageMatcher: Matcher = {
  name: 'language',
  target(pkg) {
    if (!(pkg.type in ECOSYSTEMS)) return null;
    const { ecosystem, scheme } = ECOSYSTEMS[pkg.type as LanguagePackage['type']];
    return { ecosystem, name: pkg.name, version: pkg.version, scheme };
  },
};
