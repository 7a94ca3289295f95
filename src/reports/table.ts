import { SEVERITIES, type ScanReport } from '../domain/finding.js';
import { orderFindings } from './order.js';

const COLUMNS = ['PACKAGE', 'INSTALLED', 'FIXED IN', 'VULNERABILITY', 'SEVERITY', 'STATUS'] as const;

/** A plain-text table for terminals and CI logs. */
export function tableReport(report: ScanReport): string {
  const lines: string[] = [];
  const os = report.os ? `${report.os.prettyName ?? `${report.os.id} ${report.os.versionId}`}` : 'unknown OS';
  lines.push(`${report.artifact.name} (${os}): ${report.packages.length} packages, ${report.findings.length} vulnerabilities`);
  const counts = SEVERITIES.filter((s) => s !== 'none')
    .map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s.toUpperCase()}: ${n}`);
  if (counts.length > 0) lines.push(counts.reverse().join(', '));
  const rows = orderFindings(report.findings).map((f) => [
    f.package.source && f.package.source.name !== f.package.name ? `${f.package.name} (${f.package.source.name})` : f.package.name,
    f.package.version,
    f.fixedVersion ?? '',
    f.knownExploited ? `${f.id} [KEV]` : f.id,
    f.severity.toUpperCase(),
    f.status,
  ]);
  if (rows.length > 0) {
    const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
    const format = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    lines.push('', format(COLUMNS), format(widths.map((w) => '-'.repeat(w))), ...rows.map(format));
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
