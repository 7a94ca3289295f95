import * as CDX from '@cyclonedx/cyclonedx-library';
import type { Finding, ScanReport, Severity } from '../domain/finding.js';
import { purlOf } from '../domain/purl.js';
import { orderFindings } from './order.js';

const SEVERITY: Record<Severity, CDX.Enums.Vulnerability.Severity> = {
  unknown: CDX.Enums.Vulnerability.Severity.Unknown,
  none: CDX.Enums.Vulnerability.Severity.None,
  low: CDX.Enums.Vulnerability.Severity.Low,
  medium: CDX.Enums.Vulnerability.Severity.Medium,
  high: CDX.Enums.Vulnerability.Severity.High,
  critical: CDX.Enums.Vulnerability.Severity.Critical,
};

function ratingMethod(version: string): CDX.Enums.Vulnerability.RatingMethod {
  if (version === '2.0') return CDX.Enums.Vulnerability.RatingMethod.CVSSv2;
  if (version === '3.0') return CDX.Enums.Vulnerability.RatingMethod.CVSSv3;
  if (version === '3.1') return CDX.Enums.Vulnerability.RatingMethod.CVSSv31;
  if (version === '4.0') return CDX.Enums.Vulnerability.RatingMethod.CVSSv4;
  return CDX.Enums.Vulnerability.RatingMethod.Other;
}

/** A CycloneDX 1.6 JSON BOM: every package as a component (with its purl), every finding as a vulnerability affecting it. */
export function cyclonedxReport(report: ScanReport, toolVersion: string): string {
  const bom = new CDX.Models.Bom();
  bom.metadata.timestamp = new Date(report.scannedAt);
  bom.metadata.tools.components.add(new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'openhss', { version: toolVersion }));
  bom.metadata.component = new CDX.Models.Component(report.artifact.kind === 'image' ? CDX.Enums.ComponentType.Container : CDX.Enums.ComponentType.OperatingSystem, report.artifact.name, {
    bomRef: 'artifact',
    ...(report.artifact.digest ? { version: report.artifact.digest } : {}),
  });
  const components = new Map<string, CDX.Models.Component>();
  for (const pkg of report.packages) {
    const purl = purlOf(pkg, report.os);
    if (components.has(purl)) continue;
    const component = new CDX.Models.Component(CDX.Enums.ComponentType.Library, pkg.name, { version: pkg.version, bomRef: purl });
    component.purl = purl;
    component.properties.add(new CDX.Models.Property('openhss:package:type', pkg.type));
    component.properties.add(new CDX.Models.Property('openhss:location:path', pkg.location.path));
    if (pkg.location.layerDigest) component.properties.add(new CDX.Models.Property('openhss:location:layer', pkg.location.layerDigest));
    components.set(purl, component);
    bom.components.add(component);
  }
  const byId = new Map<string, Finding[]>();
  for (const f of orderFindings(report.findings)) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
  for (const [id, findings] of byId) {
    const first = findings[0]!;
    const vulnerability = new CDX.Models.Vulnerability.Vulnerability({
      // A fixed reference keeps the output stable from run to run (the library would pick a random one).
      bomRef: `vulnerability:${id}`,
      id,
      source: new CDX.Models.Vulnerability.Source({ name: first.dataSource, ...(first.url ? { url: first.url } : {}) }),
      ...(first.title ? { description: first.title } : {}),
      ...(first.fixedVersion ? { recommendation: `Upgrade ${first.package.name} to ${first.fixedVersion} or later` } : {}),
    });
    vulnerability.ratings.add(
      new CDX.Models.Vulnerability.Rating({
        severity: SEVERITY[first.severity],
        ...(first.cvss ? { method: ratingMethod(first.cvss.version), vector: first.cvss.vector, ...(first.cvss.score !== null ? { score: first.cvss.score } : {}) } : {}),
      }),
    );
    for (const alias of first.aliases) vulnerability.references.add(new CDX.Models.Vulnerability.Reference(alias, new CDX.Models.Vulnerability.Source({ name: 'alias' })));
    for (const f of findings) {
      const pkg = report.packages.find((p) => p.type === f.package.type && p.name === f.package.name && p.version === f.package.version);
      const component = pkg ? components.get(purlOf(pkg, report.os)) : undefined;
      if (component) vulnerability.affects.add(new CDX.Models.Vulnerability.Affect(component.bomRef));
    }
    if (first.knownExploited) vulnerability.properties.add(new CDX.Models.Property('openhss:known-exploited', 'true'));
    bom.vulnerabilities.add(vulnerability);
  }
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
  return `${serializer.serialize(bom, { space: 2, sortLists: true })}\n`;
}
