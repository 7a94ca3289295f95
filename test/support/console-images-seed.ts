/**
 * Image data for the console's browser tests: a real registry (Debian's
 * `docker-registry` with basic auth) holding a vulnerable and a fixed image,
 * and local images reported by a real agent (its own code, in process) that
 * finds them as an image archive and an OCI layout in a directory.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAgent } from '../../src/agent/client/run-agent.js';
import { DEBIAN_12_OS_RELEASE, dpkgStatus } from './agent-fixture-root.js';
import { docker25Save, writeImageLayout } from './archives.js';
import type { ConsoleServer } from './browser.js';
import { waitFor } from './http-api.js';
import { buildImage, ImagePusher } from './oci-images.js';
import { loopbackOnlyDispatcher, startRegistry, type RunningRegistry } from './oci-registry.js';

/** openssl and lodash versions the demo DB flags, and versions that fix both. */
export const VULNERABLE = '3.0.11-1~deb12u2';
export const FIXED = '3.0.13-1~deb12u1';

const layersOf = (openssl: string, marker: string) => [
  { 'etc/os-release': DEBIAN_12_OS_RELEASE, 'var/lib/dpkg/status': dpkgStatus(openssl) },
  {
    [`srv/${marker}/node_modules/lodash/package.json`]: JSON.stringify({ name: 'lodash', version: openssl === VULNERABLE ? '4.17.11' : '4.17.21' }),
    [`srv/${marker}/README`]: marker,
  },
];

export interface SeededRegistry {
  registry: RunningRegistry;
  credentials: { username: string; password: string };
  /** `namespace/name:tag` of each pushed image. */
  images: string[];
  stop(): Promise<void>;
}

/** A registry with basic auth and two images: shop/web:1.0 (vulnerable) and shop/web:2.0 (fixed). */
export async function startSeededRegistry(): Promise<SeededRegistry> {
  const credentials = { username: 'console', password: `pw-${randomBytes(6).toString('hex')}` };
  const registry = await startRegistry({ basicAuth: credentials });
  const guarded = loopbackOnlyDispatcher();
  const images: string[] = [];
  try {
    const pusher = new ImagePusher(guarded.dispatcher, registry.url, credentials);
    for (const [repo, tag, openssl] of [
      ['shop/web', '1.0', VULNERABLE],
      ['shop/web', '2.0', FIXED],
    ] as const) {
      await pusher.pushImage(repo, tag, await buildImage({ layers: layersOf(openssl, `${repo}-${tag}`) }));
      images.push(`${repo}:${tag}`);
    }
  } catch (err) {
    await registry.stop();
    throw err;
  } finally {
    await guarded.dispatcher.close();
  }
  return { registry, credentials, images, stop: () => registry.stop() };
}

export interface LocalImageRow {
  id: number;
  image_name: string;
  image_version: string;
  image_digest: string;
  scan_status: string;
  vul_num: number;
}

/**
 * An agent on a fifth host that reports two local images (a `docker save`
 * archive and an OCI layout, both vulnerable); resolves once the server has
 * matched both. `stop()` ends the agent.
 */
export async function reportLocalImages(server: ConsoleServer): Promise<{ images: LocalImageRow[]; stop(): Promise<void> }> {
  const pid = server.account.projectId;
  const work = mkdtempSync(join(tmpdir(), 'openhss-console-images-'));
  const imageDir = join(work, 'images');
  mkdirSync(imageDir, { recursive: true });
  writeFileSync(join(imageDir, 'web.tar'), await docker25Save(await buildImage({ format: 'docker', layers: layersOf(VULNERABLE, 'local-web') }), 'local/web:1.0'));
  writeImageLayout(join(imageDir, 'tool-layout'), await buildImage({ format: 'oci', layers: layersOf(VULNERABLE, 'local-tool') }), '3.1');
  const root = join(work, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/os-release'), DEBIAN_12_OS_RELEASE);
  writeFileSync(join(root, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`);
  writeFileSync(join(root, 'etc/hostname'), 'image-host\n');
  const issued = await server.api<{ token: string }>('POST', `/v5/${pid}/openhss/agent-enrolment-tokens`, { description: 'console images' });
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  const controller = new AbortController();
  const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const done = runAgent({
    server: server.baseUrl,
    token: issued.body.token,
    stateDir: join(work, 'state'),
    root,
    logger: quiet,
    signal: controller.signal,
    backoff: { initialMs: 50, maxMs: 500 },
    images: { dockerSocket: null, podmanSocket: null, dirs: [imageDir] },
  });
  const stop = async () => {
    controller.abort();
    await done.catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const images = await waitFor(
      'the agent to report both local images and the server to match them',
      async () => {
        const res = await server.api<{ total_num: number; data_list: LocalImageRow[] }>('GET', `/v5/${pid}/image/local-repositories?limit=200`);
        return res.body.total_num === 2 && res.body.data_list.every((r) => r.scan_status === 'success') ? res.body.data_list : undefined;
      },
      { timeoutMs: 90_000 },
    );
    return { images, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
