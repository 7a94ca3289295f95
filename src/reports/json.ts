import type { ScanReport } from '../domain/finding.js';
import { orderFindings } from './order.js';

/** The whole report as JSON: the inventory, every finding with its explanation, and the warnings. */
export function jsonReport(report: ScanReport): string {
  return `${JSON.stringify({ ...report, findings: orderFindings(report.findings) }, null, 2)}\n`;
}
