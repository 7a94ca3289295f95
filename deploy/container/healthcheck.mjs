// The image's HEALTHCHECK. `openhss serve` is healthy when GET /readyz on its
// port answers 200 (the database is reachable and migrated); `openhss worker`
// serves no HTTP, so it is healthy while it runs (this script runs beside it).
import { readFileSync } from 'node:fs';

const args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
if (!args.includes('serve')) process.exit(0);
const port = process.env.OPENHSS_PORT || '8080';
fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(8000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
