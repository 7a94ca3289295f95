/**
 * The agent's engine enumerator against a real Podman API service
 * (`podman system service`, the Docker-compatible API), with images loaded
 * from `docker save` tarballs built here and a container carrying the
 * labels the kubelet sets. Podman runs here as root with the vfs storage
 * driver in a temporary root; where `podman` is missing or cannot serve,
 * the test is skipped and says why.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, type BuiltImage } from '../../support/oci-images.js';
import { docker25Save, dpkgStatus, legacyDockerSave } from '../../support/archives.js';
import { ImageAnalyser } from '../../../src/agent/client/images/analyse-image.js';
import { engineImages } from '../../../src/agent/client/images/engine-images.js';

function podmanUsable(): string | null {
  try {
    execFileSync('podman', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'podman is not installed';
  }
}

const skip = podmanUsable();

describe('agent image sources: a real Podman API service', { skip: skip ?? false, timeout: 120_000 }, () => {
  let work: string;
  let service: ChildProcess;
  let socket: string;
  let debian: BuiltImage;
  let alpine: BuiltImage;
  let storage: string[];
  const podman = (...args: string[]) => execFileSync('podman', [...storage, ...args], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'openhss-podman-'));
    storage = ['--root', join(work, 'root'), '--runroot', join(work, 'runroot'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
    debian = await buildImage({ format: 'docker', layers: [{ 'etc/os-release': 'ID=debian\nVERSION_ID="12"\n', 'var/lib/dpkg/status': dpkgStatus(['libssl3', '3.0.11-1~deb12u1', 'openssl']) }] });
    alpine = await buildImage({ format: 'oci', layers: [{ 'etc/os-release': 'ID=alpine\nVERSION_ID=3.19.1\n', 'lib/apk/db/installed': 'P:musl\nV:1.2.4_git20230717-r4\nA:x86_64\no:musl\n\n' }] });
    writeFileSync(join(work, 'debian.tar'), await docker25Save(debian, 'shop/web:1.0'));
    writeFileSync(join(work, 'alpine.tar'), await legacyDockerSave(alpine, 'tools/alpine:3.19'));
    podman('load', '-i', join(work, 'debian.tar'));
    podman('load', '-i', join(work, 'alpine.tar'));
    podman('create', '--name', 'k8s_web_web-pod', '--label', 'io.kubernetes.pod.name=web-pod', '--label', 'io.kubernetes.pod.namespace=prod', '--label', 'io.kubernetes.pod.uid=uid-1', 'shop/web:1.0', '/bin/true');
    socket = join(work, 'podman.sock');
    service = spawn('podman', [...storage, 'system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    while (!existsSync(socket) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(socket), 'podman system service is listening');
  });
  after(() => {
    if (service && service.exitCode === null) service.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  });

  it('lists Podman\'s images, containers and pods, and analyses each image from its export', async () => {
    const analyser = new ImageAnalyser(join(work, 'state'));
    const result = await engineImages({ source: 'podman', socketPath: socket, analyser, workDir: join(work, 'state', 'exports') });
    assert.deepEqual(result.warnings, []);
    const web = result.images.find((i) => i.imageId === debian.config.digest)!;
    assert.ok(web, 'the loaded image is listed under its config digest');
    // Podman answers `docker.io/library/shop/web`; the agent reports Docker's short form, so both engines agree.
    assert.deepEqual(web.tags, [{ name: 'shop/web', version: '1.0' }]);
    assert.match(web.imageDigest, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(web.imageDigest, web.imageId, 'Podman knows a repository digest');
    assert.deepEqual(
      web.containers.map((c) => [c.name, c.pod_name, c.pod_id, c.namespace]),
      [['k8s_web_web-pod', 'web-pod', 'uid-1', 'prod']],
    );
    assert.deepEqual(web.inventory.packages.map((p) => `${p.name}@${p.version}`), ['libssl3@3.0.11-1~deb12u1']);
    const tool = result.images.find((i) => i.imageId === alpine.config.digest)!;
    assert.deepEqual(tool.tags, [{ name: 'localhost/tools/alpine', version: '3.19' }]);
    assert.equal(tool.inventory.os?.id, 'alpine');
    assert.deepEqual(tool.containers, []);
  });
});
