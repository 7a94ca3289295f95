import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { scanIacFile } from '../../../src/iac/scan-file.js';

/** Misses and false alarms of the Dockerfile rules (issue 14), each on a real-world form. */
function hits(content: string, id: string): Array<[number | undefined, string]> {
  const scanned = scanIacFile({ name: 'Dockerfile', type: 'dockerfile', content });
  assert.equal(scanned.status, 'success', scanned.status === 'failed' ? scanned.reason : '');
  return scanned.status === 'success' ? scanned.results.filter((r) => r.rule.id === id).map((r) => [r.startLine, r.message]) : [];
}
const lines = (id: string, content: string) => hits(content, id).map(([line]) => line);
const TAIL = 'USER 10001\nHEALTHCHECK NONE\n';

describe('DF005: secrets in ENV and ARG', () => {
  it('flags a secret-named ARG without a default, *_PSW and *_PASSWORD names', () => {
    const content = [
      'FROM node:20.15-bookworm-slim',
      'ARG GITHUB_TOKEN',
      'ARG NPM_TOKEN NODE_ENV=production',
      'ARG DB_PASSWORD',
      'ENV NEXUS_CREDS_USR=ci NEXUS_CREDS_PSW=s3cr3t-Passw0rd',
      'ARG SMTP_PASSWORD=changeme',
      'RUN npm ci',
      TAIL,
    ].join('\n');
    assert.deepEqual(hits(content, 'DF005'), [
      [2, 'ARG GITHUB_TOKEN takes a secret as a build argument, and build arguments are recorded in the image history'],
      [3, 'ARG NPM_TOKEN takes a secret as a build argument, and build arguments are recorded in the image history'],
      [4, 'ARG DB_PASSWORD takes a secret as a build argument, and build arguments are recorded in the image history'],
      [5, 'ENV NEXUS_CREDS_PSW is set to a literal value'],
      [6, 'ARG SMTP_PASSWORD is set to a literal value'],
    ]);
  });

  it('does not flag a path to a credential file, nor ARGs that are not secrets', () => {
    const content = [
      'FROM python:3.12.4-slim',
      'ARG GOOGLE_APPLICATION_CREDENTIALS=./secrets/sa.json',
      'ENV GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/google/key.json',
      'ENV GOOGLE_APPLICATION_CREDENTIALS /app/credentials.json',
      'ENV AWS_SHARED_CREDENTIALS_FILE=/run/secrets/aws DB_PASSWORD_FILE=/run/secrets/db',
      'ARG PIP_INDEX_URL BUILD_VERSION NODE_ENV',
      TAIL,
    ].join('\n');
    assert.deepEqual(hits(content, 'DF005'), []);
  });

  it('still flags a credential-looking value even where a path would be accepted', () => {
    const content = 'FROM alpine:3.20\nENV GOOGLE_APPLICATION_CREDENTIALS=AKIAIOSFODNN7EXAMPLE\n' + TAIL;
    assert.deepEqual(lines('DF005', content), [2]);
  });
});

describe('DF032: credential files copied into the image', () => {
  it('flags .npmrc, id_rsa, credentials, .aws/credentials, .netrc and .ssh, wherever they are in the list', () => {
    const content = [
      'FROM node:20.15-bookworm-slim',
      'COPY package.json .npmrc ./',
      'COPY ./id_rsa /root/.ssh/',
      'ADD credentials /root/.aws/credentials',
      'COPY aws-creds /root/.aws/credentials',
      'COPY ["config/.netrc", "/root/"]',
      'COPY --chown=node:node .ssh /home/node/.ssh',
      'COPY --from=builder /root/.docker/config.json /root/.docker/',
      TAIL,
    ].join('\n');
    assert.deepEqual(lines('DF032', content), [2, 3, 4, 5, 6, 7, 8]);
  });

  it('flags the copy of the file GOOGLE_APPLICATION_CREDENTIALS points at, not the variable and not a mounted file', () => {
    const content = [
      'FROM python:3.12.4-slim',
      'WORKDIR /app',
      'COPY requirements.txt service-account.json ./',
      'COPY . /app',
      'ENV GOOGLE_APPLICATION_CREDENTIALS=/app/service-account.json',
      'ENV AWS_SHARED_CREDENTIALS_FILE=/run/secrets/aws',
      TAIL,
    ].join('\n');
    assert.deepEqual(hits(content, 'DF032'), [[3, 'COPY puts the credential file /app/service-account.json (GOOGLE_APPLICATION_CREDENTIALS) into a layer']]);
    assert.deepEqual(hits(content, 'DF005'), []);
  });

  it('leaves public keys, known_hosts and ordinary files alone', () => {
    const content = [
      'FROM node:20.15-bookworm-slim',
      'COPY id_rsa.pub /home/node/.ssh/authorized_keys',
      'COPY known_hosts /root/.ssh/',
      'COPY nodesource.gpg.key /etc/apt/keyrings/',
      'COPY credentials.go.tmpl /src/',
      'COPY . .',
      TAIL,
    ].join('\n');
    assert.deepEqual(lines('DF032', content), []);
  });
});

describe('DF033: RUN using key files', () => {
  it('flags ssh -i, ssh-add, gpg import of a private key, URL passwords and CLI logins', () => {
    const content = [
      'FROM debian:12.5-slim',
      'RUN ssh -i /root/.ssh/id_rsa git@github.com',
      'RUN eval "$(ssh-agent -s)" && ssh-add /tmp/deploy_key && git clone git@github.com:org/app.git',
      'RUN gpg --batch --import /tmp/private.key',
      'RUN git clone https://ci-bot:ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@github.com/org/app.git',
      'RUN aws configure set aws_secret_access_key "$AWS_SECRET_ACCESS_KEY"',
      'RUN gcloud auth activate-service-account --key-file=/tmp/sa.json',
      TAIL,
    ].join('\n');
    assert.deepEqual(lines('DF033', content), [2, 3, 4, 5, 6, 7]);
  });

  it('accepts secret and ssh mounts, public key imports and plain URLs', () => {
    const content = [
      'FROM debian:12.5-slim',
      'RUN --mount=type=secret,id=key,target=/root/.ssh/id_rsa ssh -i /root/.ssh/id_rsa git@github.com',
      'RUN --mount=type=ssh git clone git@github.com:org/app.git',
      'RUN gpg --batch --import /tmp/nodesource.gpg.key && gpg --keyserver hkps://keys.openpgp.org --recv-keys 0x1234',
      'RUN curl -fsSL https://deb.nodesource.com/setup_20.x -o /tmp/setup.sh',
      TAIL,
    ].join('\n');
    assert.deepEqual(lines('DF033', content), []);
  });
});

describe('DF014: yum/dnf clean all after the last install', () => {
  it('fails a clean that runs before the last install', () => {
    const content = [
      'FROM rockylinux:9.3',
      'RUN yum clean all && yum install -y httpd',
      'RUN dnf install -y gcc && dnf clean all && dnf install -y make',
      'RUN ["/bin/sh", "-c", "microdnf clean all; microdnf install -y tar"]',
      TAIL,
    ].join('\n');
    assert.deepEqual(lines('DF014', content), [2, 3, 4]);
  });

  it('passes a clean after the last install, or removing the cache directory', () => {
    const content = [
      'FROM rockylinux:9.3',
      'RUN dnf install -y gcc && dnf install -y make && dnf clean all',
      'RUN yum -y install httpd && yum -y clean all && rm -rf /var/cache/yum',
      'RUN dnf install -y tar && rm -rf /var/cache/dnf/*',
      TAIL,
    ].join('\n');
    assert.deepEqual(lines('DF014', content), []);
  });
});

describe('DF002: tags from build arguments', () => {
  it('counts a tag from an ARG without a default as unpinned', () => {
    const content = ['ARG TAG', 'ARG VARIANT', 'FROM node$TAG AS a', 'FROM node:${TAG} AS b', 'FROM python:3.12${VARIANT} AS c', 'FROM b', TAIL].join('\n');
    assert.deepEqual(hits(content, 'DF002'), [
      [3, 'base image "node" has no tag, so it means latest (build argument TAG has no default)'],
      [4, 'base image "node" has no tag, so it means latest (build argument TAG has no default)'],
    ]);
  });

  it('counts a tag from an ARG with a pinned default as pinned, and leaves a whole image from an ARG alone', () => {
    const content = ['ARG TAG=20.15-bookworm-slim', 'ARG BASE', 'ARG LATEST=latest', 'FROM node:${TAG} AS a', 'FROM node:$TAG AS b', 'FROM ${BASE} AS c', 'FROM node:${LATEST}', TAIL].join('\n');
    assert.deepEqual(lines('DF002', content), [7]);
  });
});

describe('DF017 and DF003: quoted ADD paths', () => {
  it('gives a quoted path the verdict of the unquoted one', () => {
    const forms = (src: string) => [`ADD ${src} /x/`, `ADD "${src}" /x/`, `ADD ["${src}", "/x/"]`, `ADD --chown=app:app '${src}' /x/`];
    for (const [src, df017, df003] of [['file.txt', 1, 0], ['app.tar.gz', 0, 0], ['https://example.com/tool.tgz', 0, 1]] as const) {
      for (const form of forms(src)) {
        const content = `FROM alpine:3.20\n${form}\n${TAIL}`;
        assert.equal(lines('DF017', content).length, df017, form);
        assert.equal(lines('DF003', content).length, df003, form);
      }
    }
  });
});

describe('Dockerfiles with invalid bytes', () => {
  it('scans a Latin-1 Dockerfile read as UTF-8 (invalid bytes become U+FFFD) instead of discarding it', () => {
    const content = readFileSync('test/fixtures/iac/latin1.Dockerfile', 'utf8');
    assert.ok(content.includes('\uFFFD'), 'the fixture has bytes that are not UTF-8');
    const scanned = scanIacFile({ name: 'Dockerfile', type: 'dockerfile', content });
    assert.equal(scanned.status, 'success', scanned.status === 'failed' ? scanned.reason : '');
    const ids = scanned.status === 'success' ? scanned.results.map((r) => `${r.rule.id}:${r.startLine}`) : [];
    assert.deepEqual(ids, ['DF011:3', 'DF006:5', 'DF007:5', 'DF001:6']);
  });

  it('still fails binary content', () => {
    const elf = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x3e, 0x00]).toString('utf8');
    assert.deepEqual(scanIacFile({ name: 'Dockerfile', type: 'dockerfile', content: elf }), { status: 'failed', reason: 'not a text file (binary content)' });
    const noise = Buffer.from(Array.from({ length: 600 }, (_, i) => 0x80 + (i % 64))).toString('utf8');
    assert.deepEqual(scanIacFile({ name: 'Dockerfile', type: 'dockerfile', content: `FROM alpine:3.20\n${noise}` }), { status: 'failed', reason: 'not a text file (binary content)' });
  });
});
