/**
 * The full multi-process soak on PostgreSQL (127.0.0.1:5432, database `test`
 * unless OPENHSS_TEST_POSTGRES_URL says otherwise): `npm run soak -- --minutes 5`.
 * Options: --minutes N (default 5), --workers N (3), --hosts N (60),
 * --shard-size N (10), --lease-seconds N (5), --seed N (13). Needs the built
 * CLI (`npx tsc -p tsconfig.build.json`, or `npm run build`) and Debian's
 * docker-registry. Exits non-zero when an invariant broke.
 */
import { parseArgs } from 'node:util';
import { runSoak, SOAK_DEFAULTS } from '../test/support/soak.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    workers: { type: 'string', default: String(SOAK_DEFAULTS.workers) },
    hosts: { type: 'string', default: String(SOAK_DEFAULTS.hosts) },
    'shard-size': { type: 'string', default: String(SOAK_DEFAULTS.shardSize) },
    'lease-seconds': { type: 'string', default: String(SOAK_DEFAULTS.leaseSeconds) },
    seed: { type: 'string', default: String(SOAK_DEFAULTS.seed) },
  },
});
const started = Date.now();
const result = await runSoak({
  ...SOAK_DEFAULTS,
  durationMs: Number(values.minutes) * 60_000,
  workers: Number(values.workers),
  hosts: Number(values.hosts),
  shardSize: Number(values['shard-size']),
  leaseSeconds: Number(values['lease-seconds']),
  seed: Number(values.seed),
  log: (line) => console.log(line),
});
console.log(JSON.stringify({ ...result, totalMs: Date.now() - started }, null, 2));
if (result.problems.length > 0) {
  console.error(`soak FAILED:\n${result.problems.join('\n')}`);
  process.exit(1);
}
console.log('soak passed');
