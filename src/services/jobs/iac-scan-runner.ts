import type { IacFileType, ResourceOutcome } from '../../domain/common-task.js';
import { scanIacFile } from '../../iac/scan-file.js';
import type { IacScanRunner } from './common-task-service.js';
import { fromRuleResult } from './task-results.js';

/** An IaC job's file, scanned by the rule engine in src/iac. */
export class IacScanRunnerImpl implements IacScanRunner {
  scan(file: { name: string; type: IacFileType; content: string }): ResourceOutcome {
    const scanned = scanIacFile(file);
    if (scanned.status === 'failed') return scanned;
    return { status: 'success', results: scanned.results.map((r) => fromRuleResult(r, 'iac')) };
  }
}
