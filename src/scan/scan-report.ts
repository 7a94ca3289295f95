import type { ScanReport } from '../domain/finding.js';
import type { Inventory } from '../inventory/layers.js';
import { matchInventory, type AdvisorySource } from '../findings/match-inventory.js';
import { matchers } from '../matchers/index.js';

/** Matches an inventory and assembles the report every output format is written from. */
export function reportFor(artifact: ScanReport['artifact'], inventory: Inventory, advisories: AdvisorySource, scannedAt: number, database?: ScanReport['database']): ScanReport {
  const matched = matchInventory(inventory, advisories, matchers);
  return {
    artifact,
    ...(inventory.os ? { os: inventory.os } : {}),
    packages: inventory.packages,
    findings: matched.findings,
    warnings: [...inventory.warnings, ...matched.warnings],
    scannedAt,
    ...(database ? { database } : {}),
  };
}
