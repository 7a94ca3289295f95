import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { deriveKey, loadMasterKey } from '../../src/security/master-key.js';
import { hashPassword, verifyPassword } from '../../src/security/password.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { TokenSigner, type TokenClaims } from '../../src/security/tokens.js';
import { createLogger } from '../../src/observability/logger.js';

const key = Buffer.alloc(32, 7);

describe('SecretBox', () => {
  const box = new SecretBox(key);
  it('round-trips a secret and never stores it in clear', () => {
    const sealed = box.seal('my-secret-key', 'credential:AK1');
    assert.ok(!sealed.includes('my-secret-key'));
    assert.notEqual(box.seal('my-secret-key', 'credential:AK1'), sealed, 'a fresh IV every time');
    assert.equal(box.open(sealed, 'credential:AK1'), 'my-secret-key');
  });
  it('refuses a ciphertext moved to another row, a tampered one, and another key', () => {
    const sealed = box.seal('s', 'credential:AK1');
    assert.throws(() => box.open(sealed, 'credential:AK2'));
    const parts = sealed.split('.');
    parts[2] = Buffer.from('x').toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'credential:AK1'));
    assert.throws(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed, 'credential:AK1'));
  });
});

describe('passwords', () => {
  it('hashes with a salt and verifies only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    assert.notEqual(a, b);
    assert.ok(await verifyPassword('correct horse', a));
    assert.ok(!(await verifyPassword('wrong horse', a)));
    assert.ok(!(await verifyPassword('correct horse', 'md5$abc')));
  });
});

describe('tokens', () => {
  const claims: TokenClaims = { sub: 'u', userName: 'n', domainId: 'd', domainName: 'dn', projectId: 'p', projectName: 'pn', eps: [], methods: ['password'], iat: 1000, exp: 2000 };
  const signer = new TokenSigner(key);
  it('verifies by signature and expiry', () => {
    const token = signer.sign(claims);
    assert.deepEqual(signer.verify(token, 1500), { ok: true, claims });
    assert.deepEqual(signer.verify(token, 2000), { ok: false, reason: 'expired' });
    assert.deepEqual(new TokenSigner(Buffer.alloc(32, 9)).verify(token, 1500), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(signer.verify('nope', 1500), { ok: false, reason: 'malformed' });
  });
});

describe('master key', () => {
  it('is generated once into the data dir with mode 0600 and reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openhss-key-'));
    const first = loadMasterKey('', dir);
    assert.equal(first.length, 32);
    assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
    assert.deepEqual(loadMasterKey('', dir), first);
    assert.equal(readFileSync(join(dir, 'master.key'), 'utf8').trim(), first.toString('base64'));
  });
  it('comes from config when given, and derives distinct keys per purpose', () => {
    const configured = Buffer.alloc(32, 3).toString('base64');
    const master = loadMasterKey(configured, '/nonexistent');
    assert.deepEqual(master, Buffer.alloc(32, 3));
    assert.notDeepEqual(deriveKey(master, 'token-signing'), deriveKey(master, 'secret-encryption'));
  });
});

describe('logger redaction', () => {
  it('blanks credentials wherever they appear in a log line', () => {
    let written = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        written += chunk.toString();
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info({ req: { headers: { authorization: 'SDK-HMAC-SHA256 Access=AK, Signature=deadbeef', 'x-auth-token': 'ohss1.secret-token' } } }, 'request');
    logger.info({ registry: { password: 'registry-pass' }, credential: { secretKey: 'SK-VALUE' }, login: { token: 'tok-123' } }, 'objects');
    for (const secret of ['deadbeef', 'secret-token', 'registry-pass', 'SK-VALUE', 'tok-123']) assert.ok(!written.includes(secret), `${secret} leaked: ${written}`);
    assert.match(written, /\[redacted\]/);
  });
});
