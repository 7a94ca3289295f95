import { hssImageSeverity, imageVulSolution, imageVulUrl } from '../domain/image.js';
import type { HostVulExportRow } from './host-vul-rows.js';
import type { ImageVulExportRow } from './image-vul-rows.js';
import type { Cell, ExportKind } from './kinds.js';

/** One column of an export: its header, a width for XLSX, and how a row fills it. */
export interface Column<R> {
  header: string;
  width: number;
  value(row: R): Cell;
}

const iso = (ms: number | null): Cell => (ms === null ? null : new Date(ms).toISOString());

/** The image columns the export filters select on (scan status, size, times), after the image's names. */
const imageState: Array<Column<ImageVulExportRow>> = [
  { header: 'Scan status', width: 16, value: (r) => r.scanStatus },
  { header: 'Image size (bytes)', width: 14, value: (r) => r.imageSize },
  { header: 'Latest update time', width: 25, value: (r) => iso(r.latestUpdateTime) },
  { header: 'Latest scan time', width: 25, value: (r) => iso(r.latestScanTime) },
];

const imageVulTail: Array<Column<ImageVulExportRow>> = [
  { header: 'Package name', width: 24, value: (r) => r.packageName },
  { header: 'Installed version', width: 20, value: (r) => r.packageVersion },
  { header: 'Fixed version', width: 20, value: (r) => r.fixedVersion },
  { header: 'Vulnerability ID', width: 22, value: (r) => r.vulId },
  { header: 'CVE IDs', width: 22, value: (r) => r.cveIds.join(', ') },
  // The API's repair_necessity: the same words, unrated counts as Low.
  { header: 'Severity', width: 10, value: (r) => hssImageSeverity(r.severity) },
  { header: 'CVSS', width: 6, value: (r) => r.cvssScore },
  { header: 'Description', width: 48, value: (r) => r.description },
  { header: 'Solution', width: 40, value: (r) => imageVulSolution(r.packageName, r.fixedVersion) },
  { header: 'URL', width: 48, value: (r) => imageVulUrl(r.vulId, r.cveIds) },
  { header: 'Handle status', width: 12, value: (r) => r.handleStatus },
  { header: 'First seen', width: 25, value: (r) => iso(r.firstSeenAt) },
  { header: 'Vulnerability type', width: 12, value: (r) => r.vulType },
  { header: 'Package path', width: 40, value: (r) => r.packagePath },
];

const imageHead: Array<Column<ImageVulExportRow>> = [
  { header: 'Image name', width: 32, value: (r) => r.imageName },
  { header: 'Image version', width: 16, value: (r) => r.imageVersion },
  { header: 'Image digest', width: 72, value: (r) => r.imageDigest },
  { header: 'Image ID', width: 72, value: (r) => r.imageId },
];

export const LOCAL_IMAGE_VUL_COLUMNS: Array<Column<ImageVulExportRow>> = [
  ...imageHead,
  // The hosts holding the image, as image_local_refs records them.
  { header: 'Hosts', width: 32, value: (r) => r.hostNames.join(', ') },
  ...imageState,
  ...imageVulTail,
];

export const REGISTRY_IMAGE_VUL_COLUMNS: Array<Column<ImageVulExportRow>> = [
  ...imageHead,
  { header: 'Registry', width: 20, value: (r) => r.registryName },
  { header: 'Namespace', width: 20, value: (r) => r.namespace },
  ...imageState,
  ...imageVulTail,
];

export const HOST_VUL_COLUMNS: Array<Column<HostVulExportRow>> = [
  { header: 'Host name', width: 24, value: (r) => r.hostName },
  { header: 'Host ID', width: 34, value: (r) => r.hostId },
  { header: 'IP', width: 16, value: (r) => r.privateIp },
  { header: 'Vulnerability ID', width: 22, value: (r) => r.vulId },
  { header: 'Vulnerability name', width: 40, value: (r) => r.title },
  { header: 'Severity', width: 10, value: (r) => r.severity },
  { header: 'CVSS', width: 6, value: (r) => r.cvssScore },
  { header: 'Vulnerability type', width: 12, value: (r) => r.vulType },
  { header: 'Packages', width: 48, value: (r) => r.packages.map((p) => `${p.name} ${p.version}${p.fixed_version ? ` -> ${p.fixed_version}` : ''}`).join('; ') },
  { header: 'Status', width: 20, value: (r) => r.status },
  { header: 'First scan time', width: 25, value: (r) => iso(r.firstScanTime) },
];

/** The sheet name of each kind's XLSX file. */
export const SHEET_NAMES: Record<ExportKind, string> = {
  local_image_vuls: 'Local image vulnerabilities',
  registry_image_vuls: 'Image vulnerabilities',
  host_vuls: 'Host vulnerabilities',
};
