import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import { RegistryClient } from '../../../src/sources/registry/client.js';
import { RegistryUnauthorizedError } from '../../../src/sources/registry/errors.js';
import { buildImage, ImagePusher, type BuiltImage } from '../../support/oci-images.js';
import { loopbackOnlyDispatcher, startRegistry, type GuardedDispatcher, type RunningRegistry } from '../../support/oci-registry.js';
import { repositoryOf, startProxy, startTokenServer, type LocalServer, type TokenServer } from './servers.js';

const drain = async (stream: NodeJS.ReadableStream) =>
  pipeline(
    stream,
    new Writable({
      write(_chunk, _enc, done) {
        done();
      },
    }),
  );

describe('basic auth against docker-registry with htpasswd', () => {
  const user = { username: 'scanner', password: 'correct horse battery staple' };
  let registry: RunningRegistry;
  let guard: GuardedDispatcher;
  let image: BuiltImage;

  before(async () => {
    registry = await startRegistry({ basicAuth: user });
    guard = loopbackOnlyDispatcher();
    image = await buildImage({ layers: [{ 'etc/os-release': 'ID=alpine\nVERSION_ID=3.19.1\n' }] });
    await new ImagePusher(guard.dispatcher, registry.url, user).pushImage('private/app', 'v1', image);
  });
  after(async () => {
    await guard?.close();
    await registry?.stop();
  });

  const clientWith = (credentials?: { username: string; password: string }) =>
    new RegistryClient({ dispatcher: guard.dispatcher, hosts: { [registry.host]: { insecure: true, ...(credentials ? { credentials } : {}) } } });

  it('pulls with the right password, and asks once before sending Basic up front', async () => {
    const client = clientWith(user);
    const before = guard.requests.length;
    const resolved = await client.resolve(`${registry.host}/private/app:v1`);
    await drain(await client.openBlob(resolved, resolved.layers[0]!));
    assert.equal(resolved.manifest.digest, image.manifest.digest);
    const paths = guard.requests.slice(before).map((r) => r.path);
    assert.equal(paths.filter((p) => p.includes('/manifests/')).length, 2, 'one 401, then the manifest with credentials');
    assert.equal(paths.length, 4, 'config and layer go with Basic at once');
  });

  it('fails with an unauthorized error for a wrong password, naming the image but not the password', async () => {
    await assert.rejects(clientWith({ username: user.username, password: 'wrong' }).resolve(`${registry.host}/private/app:v1`), (error: unknown) => {
      assert.ok(error instanceof RegistryUnauthorizedError);
      assert.equal(error.code, 'unauthorized');
      assert.equal(error.status, 401);
      assert.match(error.message, new RegExp(`^${registry.host}/private/app:v1: the registry refused the configured credentials`));
      assert.ok(!error.message.includes('wrong'));
      return true;
    });
  });

  it('fails with an unauthorized error when no credentials are configured', async () => {
    await assert.rejects(clientWith().resolve(`${registry.host}/private/app:v1`), (error: unknown) => {
      assert.ok(error instanceof RegistryUnauthorizedError);
      assert.match(error.message, /authentication required \(Basic\) and no credentials are configured/);
      return true;
    });
  });
});

describe('Bearer token flow: a token server and a registry front that demands tokens', () => {
  const user = { username: 'robot$ci', password: 's3cret-Pa55word' };
  const service = 'openhss-test-registry';
  let clock = Date.now();
  const now = () => clock;
  let registry: RunningRegistry;
  let guard: GuardedDispatcher;
  let tokens: TokenServer;
  let front: LocalServer;
  let image: BuiltImage;
  let revoked = false;

  before(async () => {
    registry = await startRegistry();
    guard = loopbackOnlyDispatcher();
    image = await buildImage({ format: 'oci', layers: [{ 'a.txt': 'a' }, { 'b.txt': 'b' }] });
    const pusher = new ImagePusher(guard.dispatcher, registry.url);
    await pusher.pushImage('team/app', 'v1', image);
    await pusher.pushImage('team/other', 'v1', image);
    tokens = await startTokenServer({ service, ...user, expiresIn: 60, now });
    // Like Distribution with `auth.token`: 401 + WWW-Authenticate naming realm, service and the scope the request needs.
    front = await startProxy(registry.url, async (req, res, forward) => {
      const path = req.url ?? '/';
      const repository = repositoryOf(path);
      const scope = path.startsWith('/v2/_catalog') ? 'registry:catalog:*' : repository ? `repository:${repository}:pull` : undefined;
      if (!scope || revoked || !tokens.grants(req.headers.authorization, scope)) {
        revoked = false;
        res.writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': `Bearer realm="${tokens.url}/token",service="${service}"${scope ? `,scope="${scope}"` : ''}`,
        });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: scope ? [{ Type: 'repository', Action: 'pull' }] : null }] }));
        return;
      }
      await forward();
    });
  });
  after(async () => {
    await front?.close();
    await tokens?.close();
    await guard?.close();
    await registry?.stop();
  });

  const clientWith = (credentials: { username: string; password: string } | undefined, logger?: pino.Logger) =>
    new RegistryClient({ dispatcher: guard.dispatcher, hosts: { [front.host]: { insecure: true, ...(credentials ? { credentials } : {}) } }, now, ...(logger ? { logger } : {}) });

  it('gets a token with Basic credentials, then pulls with it; the token is cached per scope until it expires', async () => {
    const logLines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          logLines.push(chunk.toString());
          done();
        },
      }),
    );
    const client = clientWith(user, logger);
    const resolved = await client.resolve(`${front.host}/team/app:v1`);
    for (const layer of resolved.layers) await drain(await client.openBlob(resolved, layer));
    assert.equal(resolved.manifest.digest, image.manifest.digest);

    assert.equal(tokens.requests.length, 1, 'one token for the whole pull');
    const tokenRequest = new URL(tokens.requests[0]!.url, tokens.url);
    assert.equal(tokenRequest.searchParams.get('service'), service);
    assert.deepEqual(tokenRequest.searchParams.getAll('scope'), ['repository:team/app:pull']);
    assert.equal(tokens.requests[0]!.authorization, `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`);
    assert.deepEqual(
      front.requests.map((r) => [r.url.replace(/sha256:\w+/, 'DIGEST'), r.authorization?.split(' ')[0] ?? 'none']),
      [
        ['/v2/team/app/manifests/v1', 'none'],
        ['/v2/team/app/manifests/v1', 'Bearer'],
        ['/v2/team/app/blobs/DIGEST', 'Bearer'],
        ['/v2/team/app/blobs/DIGEST', 'Bearer'],
        ['/v2/team/app/blobs/DIGEST', 'Bearer'],
      ],
    );

    await client.resolve(`${front.host}/team/app:v1`);
    assert.equal(tokens.requests.length, 1, 'the cached token is reused');
    await client.resolve(`${front.host}/team/other:v1`);
    assert.equal(tokens.requests.length, 2, 'another repository is another scope');
    assert.deepEqual(new URL(tokens.requests[1]!.url, tokens.url).searchParams.getAll('scope'), ['repository:team/other:pull']);

    clock += 55_000; // within 60 s, but inside the expiry margin
    await client.resolve(`${front.host}/team/app:v1`);
    assert.equal(tokens.requests.length, 3, 'a token about to expire is renewed before use');

    const repositories: string[] = [];
    for await (const name of client.repositories(front.host)) repositories.push(name);
    assert.deepEqual(repositories, ['team/app', 'team/other']);
    assert.deepEqual(new URL(tokens.requests[3]!.url, tokens.url).searchParams.getAll('scope'), ['registry:catalog:*']);

    const logs = logLines.join('');
    assert.match(logs, /registry token obtained/);
    for (const secret of [user.password, Buffer.from(`${user.username}:${user.password}`).toString('base64'), ...tokens.issued.map((t) => t.token)]) {
      assert.ok(!logs.includes(secret), 'no credential or token in the logs');
    }
  });

  it('drops a token the registry refuses and gets a new one', async () => {
    const client = clientWith(user);
    await client.resolve(`${front.host}/team/app:v1`);
    const issued = tokens.requests.length;
    revoked = true; // the next request is refused even with a valid token
    await client.resolve(`${front.host}/team/app:v1`);
    assert.equal(tokens.requests.length, issued + 1);
  });

  it('fails with an unauthorized error when the token server refuses the password', async () => {
    await assert.rejects(clientWith({ username: user.username, password: 'nope' }).resolve(`${front.host}/team/app:v1`), (error: unknown) => {
      assert.ok(error instanceof RegistryUnauthorizedError);
      assert.match(
        error.message,
        new RegExp(`^${front.host}/team/app:v1: the token service ${tokens.url}/token refused the configured credentials for scope repository:team/app:pull \\(UNAUTHORIZED: invalid username or password\\)$`),
      );
      return true;
    });
  });

  it('fails with an unauthorized error for an anonymous client when anonymous tokens are refused', async () => {
    await assert.rejects(clientWith(undefined).resolve(`${front.host}/team/app:v1`), (error: unknown) => {
      assert.ok(error instanceof RegistryUnauthorizedError);
      assert.match(error.message, /refused an anonymous token request/);
      return true;
    });
  });

  it('contacted only the registry front and the token server', () => {
    assert.deepEqual([...guard.origins].sort(), [registry.url, front.url, tokens.url].sort());
  });
});
