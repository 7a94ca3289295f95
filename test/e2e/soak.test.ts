import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak, SOAK_DEFAULTS } from '../support/soak.js';

/**
 * The shortened soak (about 60 s of load): 3 `openhss worker` processes and
 * an API process on PostgreSQL, one worker killed with SIGKILL every 2-5 s
 * and restarted, under host scans, image scans and exports. The full form:
 * `npm run soak -- --minutes 5`.
 */
describe('soak: workers killed with SIGKILL under load lose no task and count no host twice (PostgreSQL)', () => {
  it('every task finishes, every count equals a recount, no job is left or queued twice', { timeout: 20 * 60_000 }, async () => {
    const result = await runSoak({ ...SOAK_DEFAULTS, durationMs: Number(process.env.OPENHSS_SOAK_SECONDS ?? 60) * 1000, log: (line) => console.log(line) });
    console.log(JSON.stringify({ ...result, problems: result.problems.length }));
    assert.deepEqual(result.problems, []);
    assert.ok(result.kills >= 5, `only ${result.kills} workers were killed`);
    assert.ok(result.scanTasks > 0 && result.imageTasks > 0 && result.exports.success + result.exports.failure > 0);
  });
});
