/**
 * `openhss serve` as the CLI starts it (startServer), plus the floor, a bare Fastify route with
 * no plugins and no logging, in the same process. Prints {"url", "bareUrl"} once both listen;
 * SIGTERM stops both.
 *
 * The bare server also answers GET /inflight: how many requests the real server has begun and
 * not yet answered, counting those whose client has gone (the handler still runs to its end), so
 * the benchmark can wait for a slow route's backlog to drain before it measures the next one.
 *
 *   node --import tsx bench/hosts/server-child.ts '<config JSON>'
 */
import { ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { validateConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { startServer } from '../../src/runtime/server.js';

const configJson = process.argv[2];
if (!configJson) throw new Error('usage: server-child.ts <config JSON>');
const config = validateConfig(JSON.parse(configJson) as Record<string, unknown>);
const server = await startServer(config, createLogger(config.log.level));

// In flight: begun ('request') minus answered (the first end() of each response, which the handler
// calls even when the client has closed the connection; 'finish' never comes then).
let begun = 0;
let answered = 0;
const counted = new WeakSet<ServerResponse>();
const real = new WeakSet<ServerResponse>();
server.app.server.on('request', (_req, res: ServerResponse) => {
  begun++;
  real.add(res);
});
const end = ServerResponse.prototype.end;
ServerResponse.prototype.end = function (this: ServerResponse, ...args: Parameters<ServerResponse['end']>) {
  if (real.has(this) && !counted.has(this)) {
    counted.add(this);
    answered++;
  }
  return end.apply(this, args);
} as ServerResponse['end'];

const bare = Fastify({ logger: false });
bare.get('/bare', async () => ({ status: 'ok' }));
bare.get('/inflight', async () => ({ inflight: begun - answered }));
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: server.url, bareUrl })}\n`);
process.on('SIGTERM', () => {
  void Promise.all([bare.close(), server.shutdown()]).then(() => process.exit(0));
});
