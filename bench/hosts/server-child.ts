/**
 * `openhss serve` as the CLI starts it (startServer), plus the floor, a bare Fastify route with
 * no plugins and no logging, in the same process. Prints {"url", "bareUrl"} once both listen;
 * SIGTERM stops both.
 *
 *   node --import tsx bench/hosts/server-child.ts '<config JSON>'
 */
import Fastify from 'fastify';
import { validateConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { startServer } from '../../src/runtime/server.js';

const configJson = process.argv[2];
if (!configJson) throw new Error('usage: server-child.ts <config JSON>');
const config = validateConfig(JSON.parse(configJson) as Record<string, unknown>);
const server = await startServer(config, createLogger(config.log.level));
const bare = Fastify({ logger: false });
bare.get('/bare', async () => ({ status: 'ok' }));
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: server.url, bareUrl })}\n`);
process.on('SIGTERM', () => {
  void Promise.all([bare.close(), server.shutdown()]).then(() => process.exit(0));
});
