import type { Finding, ScanReport } from '../domain/finding.js';
import { orderFindings } from './order.js';

/** SARIF levels by severity, as code-scanning UIs expect them. */
function level(f: Finding): 'error' | 'warning' | 'note' {
  if (f.severity === 'critical' || f.severity === 'high') return 'error';
  if (f.severity === 'medium') return 'warning';
  return 'note';
}

/** SARIF 2.1.0: one rule per vulnerability, one result per affected package, located at the file the package was found in. */
export function sarifReport(report: ScanReport, toolVersion: string): string {
  const findings = orderFindings(report.findings);
  const rules = new Map<string, object>();
  for (const f of findings) {
    if (rules.has(f.id)) continue;
    rules.set(f.id, {
      id: f.id,
      name: f.id,
      shortDescription: { text: f.title ?? f.id },
      ...(f.url ? { helpUri: f.url } : {}),
      help: { text: `${f.title ?? f.id}${f.url ? `\n${f.url}` : ''}` },
      properties: {
        tags: ['security', 'vulnerability'],
        ...(f.cvss?.score != null ? { 'security-severity': f.cvss.score.toFixed(1) } : {}),
        precision: 'very-high',
      },
    });
  }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'openhss', version: toolVersion, informationUri: 'https://github.com/openhss/openhss', rules: [...rules.values()] } },
        results: findings.map((f) => ({
          ruleId: f.id,
          level: level(f),
          message: {
            text: `${f.package.name} ${f.package.version} is affected by ${f.id} (${f.severity})${f.fixedVersion ? `; fixed in ${f.fixedVersion}` : '; no fix available'}. Matched: ${f.matchedRange} [${f.dataSource}]`,
          },
          locations: f.locations.map((l) => ({ physicalLocation: { artifactLocation: { uri: l.path } }, ...(l.layerDigest ? { properties: { layer: l.layerDigest } } : {}) })),
          partialFingerprints: { packageVulnerability: `${f.package.type}/${f.package.name}/${f.id}` },
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
