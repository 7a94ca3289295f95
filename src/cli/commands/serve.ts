import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { createJobQueue } from '../../jobs/create-queue.js';
import { startBackground } from '../../runtime/background.js';
import { wireStarters } from '../../runtime/starters.js';
import { createLogger } from '../../observability/logger.js';
import { firstStartMessage } from '../../runtime/first-start.js';
import { status as vulnDbStatus } from '../../vulndb/index.js';
import { openRuntime } from '../../runtime/runtime.js';
import { queueOptions, startServer } from '../../runtime/server.js';

/** Runs `stop` on SIGTERM or SIGINT, then exits; a second signal, or the timeout, exits at once. */
function onShutdownSignal(stop: () => Promise<void>, timeoutMs: number): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    const timer = setTimeout(() => {
      process.stderr.write(`openhss: graceful shutdown exceeded ${timeoutMs} ms after ${signal}; exiting\n`);
      process.exit(1);
    }, timeoutMs + 5000);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`openhss: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('Serve the HSS-compatible API (and run job workers in-process)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.log.level);
      const server = await startServer(config, logger);
      onShutdownSignal(server.shutdown, config.server.shutdownTimeoutSeconds * 1000);
      logger.info({ url: server.url, database: server.runtime.database.dialect }, 'openhss is listening');
      const vulnDb = await vulnDbStatus(server.runtime.vulnDb.file);
      logger.info(
        { vulndb: { file: vulnDb.file, built_at: vulnDb.builtAt ?? null, demo: vulnDb.demo ?? false, usable: vulnDb.usable } },
        vulnDb.demo
          ? 'vulnerability DB in use: the built-in demo DB; run "openhss db update" (or "db import PATH" offline) for real data'
          : 'vulnerability DB in use',
      );
      process.stdout.write(`${await firstStartMessage(server.runtime, server.url, { toTerminal: process.stdout.isTTY === true })}\n`);
    });

  program
    .command('worker')
    .description('Run job workers only (PostgreSQL mode: start several, on any machine sharing the database)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.log.level);
      const runtime = await openRuntime(config);
      const queue = createJobQueue(runtime.database, queueOptions(config, logger));
      wireStarters(runtime, queue);
      const background = await startBackground(runtime, queue, logger);
      logger.info({ database: runtime.database.dialect, concurrency: config.queue.concurrency }, 'openhss worker started');
      onShutdownSignal(async () => {
        await background.stop();
        await queue.stop(config.server.shutdownTimeoutSeconds * 1000);
        await runtime.close();
        logger.info('worker stopped');
      }, config.server.shutdownTimeoutSeconds * 1000);
    });

  program
    .command('migrate')
    .description('Apply pending database migrations and exit (serve and worker also do this at start)')
    .action(async () => {
      const runtime = await openRuntime(loadConfig());
      await runtime.close();
      process.stdout.write('migrations applied\n');
    });
}
