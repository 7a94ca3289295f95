import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import { serverBaseUrl } from '../../agent/client/agent-http.js';
import { collectInventory } from '../../agent/client/collect.js';
import { collectNodeReport } from '../../agent/client/k8s-node/node-report.js';
import { DEFAULT_STATE_DIR } from '../../agent/client/credentials-store.js';
import { AgentSetupError, runAgent } from '../../agent/client/run-agent.js';
import { DEFAULT_DOCKER_SOCKET, DEFAULT_PODMAN_SOCKET } from '../../agent/client/images/collect-images.js';
import { createLogger } from '../../observability/logger.js';
import { loadConfig } from '../../config/load.js';

interface AgentOptions {
  server?: string;
  token?: string;
  tokenFile?: string;
  stateDir: string;
  root: string;
  exclude?: string[];
  once?: boolean;
  intervalSeconds?: string;
  imageDir?: string[];
  dockerSocket: string;
  podmanSocket: string;
  /** Commander's negation of --images: false with --no-images. */
  images: boolean;
  /** With --once: print the CIS node checks instead of the inventory. */
  k8sNode?: boolean;
  /** Commander's negation of --k8s-checks: false with --no-k8s-checks. */
  k8sChecks: boolean;
  /** Read running processes' command lines (default: only when --root is /). */
  processes?: boolean;
}

const err = (line: string) => process.stderr.write(`${line}\n`);

function parseInterval(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 1) throw new AgentSetupError(`--interval-seconds: ${value} is not a number of seconds (1 or more)`);
  return Math.round(seconds * 1000);
}

/** The enrolment token from --token, --token-file or OPENHSS_AGENT_TOKEN (the last two keep it out of `ps`). */
async function readToken(options: AgentOptions): Promise<string | undefined> {
  if (options.token !== undefined && options.tokenFile !== undefined) throw new AgentSetupError('give --token or --token-file, not both');
  if (options.tokenFile === undefined) return (options.token ?? process.env.OPENHSS_AGENT_TOKEN)?.trim() || undefined;
  try {
    return (await readFile(options.tokenFile, 'utf8')).trim() || undefined;
  } catch (error) {
    throw new AgentSetupError(`--token-file: cannot read ${options.tokenFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

async function once(options: AgentOptions): Promise<void> {
  if (options.k8sNode) {
    const root = resolve(options.root);
    const report = await collectNodeReport({ root, ...(options.processes !== undefined ? { processes: options.processes } : {}) });
    if (report === null) throw new AgentSetupError(`${root} is not a Kubernetes node: no kubelet, static pod manifest or Kubernetes process found`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const upload = await collectInventory({ root: resolve(options.root), excludes: options.exclude ?? [], stateDir: resolve(options.stateDir) });
  process.stdout.write(`${JSON.stringify(upload, null, 2)}\n`);
}

async function serve(options: AgentOptions): Promise<number> {
  if (!options.server) throw new AgentSetupError('--server URL is required (or --once to only print the inventory)');
  // Checked before the token is read, so a typo in the URL is reported as such.
  serverBaseUrl(options.server);
  const intervalMs = parseInterval(options.intervalSeconds);
  const token = await readToken(options);
  // Standard output is left for --once; the agent's log goes to standard error, one line per event.
  const logger = createLogger(loadConfig().log.level, pino.destination({ dest: 2, sync: true })).child({ component: 'agent' });
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ event: 'signal', signal }, `${signal} received; stopping`);
    controller.abort();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    return await runAgent({
      server: options.server,
      ...(token !== undefined ? { token } : {}),
      stateDir: resolve(options.stateDir),
      root: resolve(options.root),
      excludes: options.exclude ?? [],
      ...(intervalMs !== undefined ? { intervalMs } : {}),
      ...(options.images
        ? { images: { dockerSocket: options.dockerSocket || null, podmanSocket: options.podmanSocket || null, dirs: (options.imageDir ?? []).map((d) => resolve(d)) } }
        : {}),
      kubernetesNode: options.k8sChecks,
      signal: controller.signal,
      logger,
    });
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}

export function registerAgentCommands(program: Command): void {
  program
    .command('agent')
    .description('Run the host agent: enrol with a server, upload this host\'s package inventory and answer its commands')
    .option('--server <url>', 'the openhss server, e.g. https://openhss.example:8443')
    .option('--token <token>', 'one-time enrolment token (visible in the process list; prefer --token-file or OPENHSS_AGENT_TOKEN)')
    .option('--token-file <file>', 'read the enrolment token from this file (default: the OPENHSS_AGENT_TOKEN environment variable)')
    .option('--state-dir <dir>', 'where the agent keeps its credentials', DEFAULT_STATE_DIR)
    .option('--root <dir>', 'the host\'s root file system (e.g. /host when run in a container)', '/')
    .option('--exclude <path...>', 'directories under the root not to inventory (besides proc, sys, dev, run, tmp…)')
    .option('--once', 'collect the inventory, print the upload it would send as JSON and exit; contacts no server')
    .option('--interval-seconds <n>', 'upload the inventory this often (default: as the server says)')
    .option('--image-dir <dir>', 'also report the images in this directory (docker save tarballs *.tar, OCI layouts); repeatable', (dir: string, dirs: string[] = []) => [...dirs, dir])
    .option('--docker-socket <path>', 'the Docker Engine API socket to list images from ("" to skip)', DEFAULT_DOCKER_SOCKET)
    .option('--podman-socket <path>', 'the Podman API socket to list images from ("" to skip)', DEFAULT_PODMAN_SOCKET)
    .option('--no-images', 'do not report local images')
    .option('--k8s-node', 'with --once: print the CIS Kubernetes node checks of this host (or --root) as JSON instead of the inventory')
    .option('--processes', 'also read running processes (/proc) to find Kubernetes components; the default only when --root is /')
    .option('--no-k8s-checks', 'do not report CIS Kubernetes node checks, even on a Kubernetes node')
    .action(async (options: AgentOptions) => {
      try {
        if (options.once) await once(options);
        else process.exitCode = await serve(options);
      } catch (error) {
        err(`openhss agent: ${(error as Error).message}`);
        process.exitCode = 2;
      }
    });
}
