import { severityRank, type Finding } from '../domain/finding.js';

/** Most severe first, then by package and id, so every format lists findings in the same, stable order. */
export function orderFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.package.name.localeCompare(b.package.name) ||
      a.package.version.localeCompare(b.package.version) ||
      a.id.localeCompare(b.id),
  );
}
