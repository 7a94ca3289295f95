import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { Command } from 'commander';
import Fastify from 'fastify';
import pg from 'pg';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { registerServeCommands } from '../../src/cli/commands/serve.js';
import { loadConfig } from '../../src/config/load.js';
import { CONFIG_FILE_ENV, envBindings } from '../../src/config/schema.js';
import { healthRoutes } from '../../src/api/routes/health.js';
import { validateK8sObject } from '../support/kube/validate.js';

/**
 * The Helm chart (deploy/helm/openhss), checked without the helm binary
 * (Debian has none, and nothing can be downloaded here):
 * - values.yaml and every example value set validate against values.schema.json
 *   (ajv, draft-07 as Helm reads it), and bad values are refused;
 * - the templates are rendered by test/support/helm-render, a small Go program:
 *   text/template with sprig (Debian's golang-github-masterminds-sprig-dev) and
 *   Helm's own functions re-implemented there; its fidelity to real Helm is
 *   not proven here (see its header);
 * - the manifests are parsed and checked against the Kubernetes OpenAPI
 *   schema (kubernetes-models) and against the code: probe paths answer in
 *   the real health routes, env names are settings the server reads and
 *   their values pass its config validation, the commands exist in the CLI,
 *   the user matches the image's.
 */
const run = promisify(execFile);
const repo = new URL('../../', import.meta.url).pathname;
const chart = join(repo, 'deploy/helm/openhss');
const rendererSource = join(repo, 'test/support/helm-render/main.go');
const CACHE = process.env.OPENHSS_TEST_CACHE ?? join(homedir(), '.cache', 'openhss-test');
const SPRIG = '/usr/share/gocode/src/github.com/Masterminds/sprig/functions.go';

const missing = !existsSync(SPRIG) ? `${SPRIG} is missing (apt-get install golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev; .ci/run does)` : false;

interface K8s {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

let renderer = '';

/** Builds the renderer once per source and Go version, into the test cache (offline: GOPATH mode over Debian's Go sources). */
async function buildRenderer(): Promise<string> {
  const goVersion = (await run('go', ['version'])).stdout.trim();
  const key = createHash('sha256').update(readFileSync(rendererSource)).update(goVersion).digest('hex').slice(0, 16);
  const binary = join(CACHE, `helm-render-${key}`);
  if (existsSync(binary)) return binary;
  mkdirSync(CACHE, { recursive: true });
  const building = `${binary}.${process.pid}`;
  await run('go', ['build', '-o', building, '.'], {
    cwd: join(repo, 'test/support/helm-render'),
    env: { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOFLAGS: '', CGO_ENABLED: '0' },
  });
  renameSync(building, binary);
  return binary;
}

async function render(valueFiles: string[], options: { release?: string; namespace?: string } = {}): Promise<K8s[]> {
  const args = ['--chart', chart, '--release', options.release ?? 'hss', '--namespace', options.namespace ?? 'security'];
  for (const file of valueFiles) args.push('-f', file);
  const { stdout } = await run(renderer, args, { maxBuffer: 16 * 1024 * 1024 });
  const docs = parseAllDocuments(stdout);
  for (const doc of docs) assert.deepEqual(doc.errors, [], String(doc.errors));
  return docs.map((doc) => doc.toJS() as K8s).filter((doc) => doc !== null);
}

/** A value set written to a temp file (the examples are files already). */
const tempDirs: string[] = [];
function valuesFile(values: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'openhss-helm-'));
  tempDirs.push(dir);
  const file = join(dir, 'values.json'); // JSON is YAML
  writeFileSync(file, JSON.stringify(values));
  return file;
}

const examples = readdirSync(join(chart, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function one(manifests: K8s[], kind: string, nameSuffix: string): K8s {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name.endsWith(nameSuffix));
  assert.equal(found.length, 1, `one ${kind} named *${nameSuffix} in ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found[0]!;
}

/** The environment a container gets: literal values, and secretKeyRefs resolved from the rendered Secrets (or `external` for Secrets made outside the chart). */
function containerEnv(container: any, manifests: K8s[], external: Record<string, Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of container.env as Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>) {
    assert.ok(!(item.name in env), `${item.name} is set once`);
    if (item.value !== undefined) {
      assert.equal(typeof item.value, 'string', `${item.name}'s value is a string`);
      env[item.name] = item.value;
      continue;
    }
    const ref = item.valueFrom?.secretKeyRef;
    assert.ok(ref, `${item.name} has a value or a secretKeyRef`);
    const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === ref.name);
    if (secret) {
      const encoded = secret.data?.[ref.key];
      assert.equal(typeof encoded, 'string', `Secret ${ref.name} has key ${ref.key}`);
      env[item.name] = Buffer.from(encoded, 'base64').toString('utf8');
    } else {
      const value = external[ref.name]?.[ref.key];
      assert.ok(value !== undefined, `${item.name} refers to Secret ${ref.name}/${ref.key}, neither rendered nor named in the values`);
      env[item.name] = value;
    }
  }
  return env;
}

/** Every name a container sets is a setting openhss reads, or PGPASSWORD (node-postgres reads it when the URL has no password). */
const KNOWN_ENV = new Set([...envBindings.map((b) => b.env), CONFIG_FILE_ENV, 'PGPASSWORD']);

describe('Helm chart deploy/helm/openhss', { skip: missing }, () => {
  const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  const defaults = parseYaml(readFileSync(join(chart, 'values.yaml'), 'utf8')) as Record<string, any>;

  before(async () => {
    renderer = await buildRenderer();
  });

  it('values.yaml and every example validate against values.schema.json; bad values are refused', () => {
    assert.ok(validate(defaults), ajv.errorsText(validate.errors));
    assert.ok(examples.length >= 3, examples.join(', '));
    for (const example of examples) {
      const merged = deepMerge(structuredClone(defaults), parseYaml(readFileSync(join(chart, 'examples', example), 'utf8')) as Record<string, unknown>);
      assert.ok(validate(merged), `${example}: ${ajv.errorsText(validate.errors)}`);
    }
    const bad: Array<[string, Record<string, unknown>]> = [
      ['a master key that is not 32 bytes of base64', { masterKey: { value: 'c2hvcnQ=' } }],
      ['the local file store (pods share no disk)', { files: { store: 'local' } }],
      ['S3 without a bucket', { files: { store: 's3' } }],
      ['negative workers', { worker: { replicas: -1 } }],
      ['a typo in a key', { workers: { replicas: 3 } }],
      ['a port as a string', { postgresql: { port: '5432' } }],
      ['an unknown sslmode', { postgresql: { sslmode: 'sometimes' } }],
    ];
    for (const [what, values] of bad) assert.equal(validate(deepMerge(structuredClone(defaults), values)), false, `refused: ${what}`);
  });

  it('values.yaml alone does not render: postgresql.host is required', async () => {
    await assert.rejects(render([]), /postgresql\.host is required/);
    await assert.rejects(render([valuesFile({ postgresql: { host: 'pg' }, files: { store: 's3' } })]), /files\.s3\.bucket is required/);
  });

  for (const example of examples) {
    it(`${example}: renders valid Kubernetes objects that match the server, the CLI and the image`, async () => {
      const values = deepMerge(structuredClone(defaults), parseYaml(readFileSync(join(chart, 'examples', example), 'utf8')) as Record<string, unknown>) as Record<string, any>;
      const manifests = await render([join(chart, 'examples', example)]);
      for (const manifest of manifests) {
        assert.doesNotThrow(() => validateK8sObject(manifest as never), `${manifest.kind}/${manifest.metadata.name} against the Kubernetes schema`);
        assert.equal(manifest.metadata.labels?.['app.kubernetes.io/instance'], 'hss');
      }
      const kinds = manifests.map((m) => m.kind).sort();
      assert.deepEqual(kinds.filter((k) => k !== 'Secret'), ['Deployment', 'Deployment', 'Service']);

      const api = one(manifests, 'Deployment', '-api');
      const worker = one(manifests, 'Deployment', '-worker');
      const service = one(manifests, 'Service', '');
      assert.equal(api.spec.replicas, values.api.replicas);
      assert.equal(worker.spec.replicas, values.worker.replicas, 'worker replicas = the N workers asked for');

      // The image's entrypoint is the openhss CLI; the args pick a command it has.
      const containerfile = readFileSync(join(repo, 'deploy/container/Containerfile'), 'utf8');
      assert.match(containerfile, /^ENTRYPOINT \["node", "\/app\/dist\/cli\/main\.js"\]$/m);
      const program = new Command();
      registerServeCommands(program);
      const commands = program.commands.map((c) => c.name());
      const apiContainer = api.spec.template.spec.containers[0];
      const workerContainer = worker.spec.template.spec.containers[0];
      assert.deepEqual(apiContainer.args, ['serve']);
      assert.deepEqual(workerContainer.args, ['worker']);
      for (const c of [apiContainer, workerContainer]) {
        assert.ok(commands.includes(c.args[0]), `openhss ${c.args[0]} exists`);
        assert.equal(c.command, undefined, 'the image entrypoint is kept');
        assert.equal(c.image, `${values.image.repository}:${values.image.tag || '0.1.0'}`);
      }

      // Security: non-root as the image's user, read-only root, no capabilities, writable /data and /tmp only.
      const imageUser = /^USER (\d+):(\d+)$/m.exec(containerfile);
      assert.ok(imageUser);
      for (const deployment of [api, worker]) {
        const pod = deployment.spec.template.spec;
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(String(pod.securityContext.runAsUser), imageUser[1]);
        assert.equal(String(pod.securityContext.runAsGroup), imageUser[2]);
        assert.equal(pod.automountServiceAccountToken, false);
        const c = pod.containers[0];
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
        assert.equal(c.securityContext.capabilities.add, undefined);
        assert.deepEqual(c.volumeMounts.map((m: any) => m.mountPath).sort(), ['/data', '/tmp']);
        for (const mount of c.volumeMounts) assert.ok(pod.volumes.some((v: any) => v.name === mount.name && v.emptyDir), `${mount.name} is an emptyDir of the pod`);
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, 'resources are set');
      }

      // Probes: the API's answer on the real health routes; the worker, which serves no HTTP, has none.
      const port = apiContainer.ports.find((p: any) => p.name === 'http');
      assert.ok(port);
      const probes = { startupProbe: apiContainer.startupProbe, livenessProbe: apiContainer.livenessProbe, readinessProbe: apiContainer.readinessProbe };
      const app = Fastify();
      let reasons: string[] = [];
      await app.register(healthRoutes({ check: async () => reasons }));
      for (const [name, probe] of Object.entries(probes)) {
        assert.ok(probe?.httpGet, `${name} is an HTTP probe`);
        assert.ok(probe.httpGet.port === 'http' || probe.httpGet.port === port.containerPort, `${name} uses the API's port`);
        const answer = await app.inject({ url: probe.httpGet.path });
        assert.equal(answer.statusCode, 200, `${name} ${probe.httpGet.path} answers 200 on the real route`);
      }
      reasons = ['database unreachable'];
      assert.equal((await app.inject({ url: probes.readinessProbe.httpGet.path })).statusCode, 503, 'readiness follows the database');
      assert.equal((await app.inject({ url: probes.livenessProbe.httpGet.path })).statusCode, 200, 'liveness does not restart a pod for a database outage');
      await app.close();
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) assert.equal(workerContainer[probe], undefined);

      // The Service reaches the API pods only, on the named port.
      const podLabels = api.spec.template.metadata.labels as Record<string, string>;
      for (const [k, v] of Object.entries(service.spec.selector as Record<string, string>)) assert.equal(podLabels[k], v, `service selector ${k}`);
      assert.notEqual(worker.spec.template.metadata.labels['app.kubernetes.io/component'], service.spec.selector['app.kubernetes.io/component']);
      assert.deepEqual(api.spec.selector.matchLabels, Object.fromEntries(Object.entries(podLabels).filter(([k]) => k in api.spec.selector.matchLabels)));
      assert.equal(service.spec.ports[0].targetPort, 'http');

      // The environment: names the server reads, values its config validation accepts, the same database and key for both.
      const external: Record<string, Record<string, string>> = {};
      if (values.postgresql.existingSecret) external[values.postgresql.existingSecret] = { [values.postgresql.existingSecretPasswordKey]: 'from-an-external-secret' };
      if (values.masterKey.existingSecret) external[values.masterKey.existingSecret] = { [values.masterKey.existingSecretKey]: Buffer.alloc(32, 7).toString('base64') };
      const apiEnv = containerEnv(apiContainer, manifests, external);
      const workerEnv = containerEnv(workerContainer, manifests, external);
      for (const env of [apiEnv, workerEnv]) {
        for (const name of Object.keys(env)) assert.ok(KNOWN_ENV.has(name), `${name} is a setting openhss reads`);
      }
      const apiConfig = loadConfig(apiEnv);
      const workerConfig = loadConfig(workerEnv);
      assert.equal(apiConfig.server.host, '0.0.0.0');
      assert.equal(apiConfig.server.port, port.containerPort, 'the server listens on the port the probes and Service use');
      assert.equal(apiConfig.queue.inProcessWorkers, values.api.inProcessWorkers);
      assert.equal(workerConfig.queue.concurrency, values.worker.concurrency);
      for (const config of [apiConfig, workerConfig]) {
        const url = new URL(config.database.url);
        assert.equal(url.protocol, 'postgres:');
        assert.equal(url.hostname, values.postgresql.host);
        assert.equal(url.port || '5432', String(values.postgresql.port));
        assert.equal(decodeURIComponent(url.pathname.slice(1)), values.postgresql.database);
        assert.equal(decodeURIComponent(url.username), values.postgresql.user);
        assert.equal(url.password, '', 'no password in the URL (it is in PGPASSWORD, from a Secret)');
        assert.equal(url.searchParams.get('sslmode') ?? '', values.postgresql.sslmode);
        assert.equal(config.database.schema, values.postgresql.schema);
        assert.equal(config.dataDir, '/data');
        assert.match(config.security.masterKey, /^[A-Za-z0-9+/]{43}=$/);
        assert.equal(Buffer.from(config.security.masterKey, 'base64').length, 32);
      }
      for (const [deployment, config] of [[api, apiConfig], [worker, workerConfig]] as const) {
        const grace = deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30;
        // serve/worker exit at the latest shutdownTimeoutSeconds + 5 s after SIGTERM (src/cli/commands/serve.ts).
        assert.ok(grace >= config.server.shutdownTimeoutSeconds + 5, `${deployment.metadata.name}: a grace of ${grace} s covers the shutdown`);
      }
      assert.equal(apiConfig.security.masterKey, workerConfig.security.masterKey, 'one master key for every pod');
      assert.equal(apiConfig.database.url, workerConfig.database.url);
      if (values.masterKey.value) assert.equal(apiConfig.security.masterKey, values.masterKey.value);
      const expectedPassword = values.postgresql.existingSecret ? 'from-an-external-secret' : values.postgresql.password;
      assert.equal(apiEnv.PGPASSWORD, expectedPassword || undefined);
      if (apiEnv.PGPASSWORD) {
        // node-postgres (under Kysely and pg-boss) takes PGPASSWORD when the URL has none.
        const saved = process.env.PGPASSWORD;
        process.env.PGPASSWORD = apiEnv.PGPASSWORD;
        try {
          assert.equal(new pg.Client({ connectionString: apiConfig.database.url }).password, apiEnv.PGPASSWORD);
        } finally {
          if (saved === undefined) delete process.env.PGPASSWORD;
          else process.env.PGPASSWORD = saved;
        }
      }

      // Files every pod can serve: PostgreSQL by default, S3 when asked, never the pod's own disk.
      const files = (apiConfig as unknown as { files?: { store: string; s3: Record<string, unknown> } }).files;
      assert.ok(files, 'the server has file store settings');
      assert.notEqual(files.store, 'local');
      if (values.files.store === 's3') {
        assert.equal(files.store, 's3');
        assert.equal(files.s3.bucket, values.files.s3.bucket);
        assert.equal(files.s3.endpoint, values.files.s3.endpoint);
        assert.equal(files.s3.forcePathStyle, values.files.s3.forcePathStyle);
        assert.equal(files.s3.accessKeyId, values.files.s3.accessKeyId);
        assert.equal(files.s3.secretAccessKey, values.files.s3.secretAccessKey);
        const plain = JSON.stringify([api, worker]);
        assert.ok(!plain.includes(values.files.s3.secretAccessKey), 'the S3 secret is not in a Deployment');
      }
      if (values.postgresql.password) assert.ok(!JSON.stringify([api, worker]).includes(values.postgresql.password), 'the database password is not in a Deployment');

      // The master key Secret: generated (kept on uninstall) unless one is given.
      const keySecret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name.endsWith('-master-key'));
      if (values.masterKey.existingSecret) assert.equal(keySecret, undefined, 'an existing Secret is used, none made');
      else {
        assert.ok(keySecret);
        assert.equal(keySecret.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
      }
    });
  }

  it('a generated master key is new per install and valid; a given one is used as is', async () => {
    const minimal = join(chart, 'examples/minimal.yaml');
    const keyOf = (manifests: K8s[]) => {
      const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === 'hss-openhss-master-key');
      return Buffer.from(secret!.data['master-key'], 'base64').toString('utf8');
    };
    const [a, b] = [keyOf(await render([minimal])), keyOf(await render([minimal]))];
    for (const key of [a, b]) assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(a, b, 'random per render (an upgrade reuses the one in the cluster through lookup, which helm template cannot show)');
  });

  it('NOTES.txt renders with the service, the credentials command and how to add workers', async () => {
    const { stdout } = await run(renderer, ['--chart', chart, '--release', 'hss', '--namespace', 'security', '--notes', '-f', join(chart, 'examples/existing-secrets.yaml')]);
    assert.match(stdout, /4 worker pod\(s\) on PostgreSQL pg-primary\.db\.svc:6432\/hss/);
    assert.match(stdout, /port-forward svc\/hss-openhss 8080:8080/);
    assert.match(stdout, /exec deploy\/hss-openhss-api -- cat \/data\/first-start-credentials\.txt/);
    assert.match(stdout, /--set worker\.replicas=N/);
  });

  it('names follow the release; worker replicas and concurrency follow the values', async () => {
    const manifests = await render([join(chart, 'examples/minimal.yaml'), valuesFile({ worker: { replicas: 7, concurrency: 3 }, fullnameOverride: 'scanner' })], { release: 'prod' });
    const worker = one(manifests, 'Deployment', 'scanner-worker');
    assert.equal(worker.spec.replicas, 7);
    assert.equal(worker.spec.template.spec.containers[0].env.find((e: any) => e.name === 'OPENHSS_QUEUE_CONCURRENCY').value, '3');
    assert.equal(one(manifests, 'Service', 'scanner').metadata.labels?.['app.kubernetes.io/instance'], 'prod');
  });
});

function deepMerge(target: Record<string, any>, source: Record<string, any>): Record<string, any> {
  for (const [key, value] of Object.entries(source)) {
    if (value === null) delete target[key];
    else if (value && typeof value === 'object' && !Array.isArray(value) && target[key] && typeof target[key] === 'object' && !Array.isArray(target[key])) deepMerge(target[key], value);
    else target[key] = value;
  }
  return target;
}

process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
