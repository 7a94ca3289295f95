/** Where an image asset comes from: a registry sync, an agent on a host, or a CI/CD pipeline report. */
export const IMAGE_SOURCES = ['registry', 'local', 'cicd'] as const;
export type ImageSource = (typeof IMAGE_SOURCES)[number];

/** HSS `scan_status` of an image (and of an image within a scan task). */
export const IMAGE_SCAN_STATUSES = ['unscan', 'waiting_for_scan', 'scanning', 'success', 'failed', 'download_failed', 'image_oversized', 'image_scan_stop'] as const;
export type ImageScanStatus = (typeof IMAGE_SCAN_STATUSES)[number];

/** Statuses an image ends a scan in. */
export const FINAL_IMAGE_SCAN_STATUSES: readonly ImageScanStatus[] = ['success', 'failed', 'download_failed', 'image_oversized', 'image_scan_stop'];

/** HSS `registry_type` of a registry (and of `image_info[].registry_type`). */
export const REGISTRY_TYPES = ['Harbor', 'Jfrog', 'Other', 'SwrPrivate', 'SwrShared', 'SwrEnterprise'] as const;
export type RegistryType = (typeof REGISTRY_TYPES)[number];

/** HSS `query_info.image_type`, mapped to registry types by ../services/image-selection. */
export const QUERY_IMAGE_TYPES = ['private_image', 'shared_image', 'instance_image', 'harbor', 'jfrog'] as const;
export type QueryImageType = (typeof QUERY_IMAGE_TYPES)[number];

export const LOCAL_IMAGE_TYPES = ['other_image', 'swr_image'] as const;
export type LocalImageType = (typeof LOCAL_IMAGE_TYPES)[number];

/** Where an image's vulnerability comes from: an OS package or an application dependency. */
export const IMAGE_VUL_TYPES = ['linux_vul', 'app_vul'] as const;
export type ImageVulType = (typeof IMAGE_VUL_TYPES)[number];

export const IMAGE_VUL_HANDLE_STATUSES = ['unhandled', 'handled'] as const;
export type ImageVulHandleStatus = (typeof IMAGE_VUL_HANDLE_STATUSES)[number];

/** `scan_scope` bits (int32). Only the vulnerability bits are implemented; see the README. */
export const SCAN_SCOPE = {
  vulnerabilities: 0x000f0000,
  baseline: 0x0000f000,
  maliciousFiles: 0x00000f00,
  sensitiveInfo: 0x000000f0,
  compliance: 0x0000000f,
  all: 0x7fffffff,
} as const;

/** An image as users see it in lists (a registry tag, a local image, a CI/CD report). */
export interface ImageAsset {
  id: string;
  projectId: string;
  enterpriseProjectId: string;
  imageType: ImageSource;
  registryId: string | null;
  registryName: string;
  registryType: string;
  namespace: string;
  imageName: string;
  imageVersion: string;
  imageDigest: string | null;
  imageId: string | null;
  imageSize: number | null;
  latestUpdateTime: number;
  localImageType: LocalImageType | null;
  scanStatus: ImageScanStatus;
  scanFailedReason: string;
  latestScanTime: number | null;
  removedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** Per-severity vulnerability totals of a scanned image digest. */
export interface ImageVulTotals {
  critical: number;
  high: number;
  medium: number;
  low: number;
  unknown: number;
}

/** HSS's words for an image vulnerability's severity (`repair_necessity`). */
export type HssImageSeverity = 'Critical' | 'High' | 'Medium' | 'Low';

/** A stored severity in HSS's words: an unrated vulnerability counts as Low. The API and the exports say the same. */
export function hssImageSeverity(severity: string): HssImageSeverity {
  switch (severity.toLowerCase()) {
    case 'critical':
      return 'Critical';
    case 'high':
      return 'High';
    case 'medium':
      return 'Medium';
    default:
      return 'Low';
  }
}

/** The fix of a vulnerable package, as the image vulnerability list and the exports word it. */
export function imageVulSolution(packageName: string, fixedVersion: string): string {
  return fixedVersion ? `Upgrade ${packageName} to ${fixedVersion} or later` : 'No fixed version is available yet';
}

/** A page about the vulnerability: the NVD page of its first CVE, else the OSV page of its id (GHSA-…, PYSEC-…), else ''. */
export function imageVulUrl(vulId: string, cveIds: readonly string[]): string {
  if (cveIds[0]) return `https://nvd.nist.gov/vuln/detail/${cveIds[0]}`;
  if (/^CVE-\d{4}-\d+$/.test(vulId)) return `https://nvd.nist.gov/vuln/detail/${vulId}`;
  return vulId ? `https://osv.dev/vulnerability/${encodeURIComponent(vulId)}` : '';
}
