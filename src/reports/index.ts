import type { ScanReport } from '../domain/finding.js';
import { cyclonedxReport } from './cyclonedx.js';
import { jsonReport } from './json.js';
import { sarifReport } from './sarif.js';
import { tableReport } from './table.js';

export const REPORT_FORMATS = ['table', 'json', 'sarif', 'cyclonedx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Every report format, by name. */
export const reportWriters: Record<ReportFormat, (report: ScanReport, toolVersion: string) => string> = {
  table: (r) => tableReport(r),
  json: (r) => jsonReport(r),
  sarif: sarifReport,
  cyclonedx: cyclonedxReport,
};
