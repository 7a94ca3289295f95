import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scanIacFile } from '../../../src/iac/scan-file.js';

/** Edge forms of the Dockerfile rules added for Trivy's check classes (DF022-DF031), beyond their fixtures. */
function lines(id: string, content: string): Array<number | undefined> {
  const scanned = scanIacFile({ name: 'Dockerfile', type: 'dockerfile', content: `${content}\nUSER 10001\nHEALTHCHECK NONE\n` });
  assert.equal(scanned.status, 'success', scanned.status === 'failed' ? scanned.reason : '');
  return scanned.status === 'success' ? scanned.results.filter((r) => r.rule.id === id).map((r) => r.startLine) : [];
}

describe('DF029: install without -y', () => {
  it('accepts every spelling of yes, and fails installs that would prompt', () => {
    const content = [
      'FROM debian:12.5-slim',
      'RUN apt-get install -y curl',
      'RUN apt-get -qq install curl',
      'RUN apt-get install --yes curl && apt-get install --assume-yes git',
      'RUN DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Options::=--force-confold install -qy curl',
      'RUN yes | apt-get install curl',
      'RUN dnf --assumeyes install gcc && yum install -y make',
      'RUN zypper -n in curl && zypper --non-interactive install git && zypper install -y tar',
      'RUN apt-get install curl',
      'RUN DEBIAN_FRONTEND=noninteractive apt-get install curl',
      'RUN yum install httpd',
      'RUN zypper install curl',
    ].join('\n');
    assert.deepEqual(lines('DF029', content), [9, 10, 11, 12]);
  });

  it('accepts an apt config that assumes yes for the whole file', () => {
    const content = 'FROM debian:12.5-slim\nRUN echo \'APT::Get::Assume-Yes "true";\' > /etc/apt/apt.conf.d/90assumeyes\nRUN apt-get install curl';
    assert.deepEqual(lines('DF029', content), []);
  });
});

describe('DF027: index refresh alone', () => {
  it('fails refreshes with no install after them, for every package manager', () => {
    const content = [
      'FROM debian:12.5-slim',
      'RUN apt-get update',
      'RUN apk update',
      'RUN zypper --non-interactive refresh',
      'RUN dnf makecache',
      'RUN apt-get install -y curl && apt-get update',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl',
      'RUN apk update && apk add --no-cache curl',
      'RUN apk add --no-cache --update curl',
      'RUN dnf makecache && dnf install -y gcc',
      'RUN dnf update -y && dnf clean all',
    ].join('\n');
    assert.deepEqual(lines('DF027', content), [2, 3, 4, 5, 6]);
  });
});

describe('commands inside shell compound commands', () => {
  it('sees the program after do/then/if, and does not count apt-get -s as an install', () => {
    // Shapes from nginxinc/docker-nginx (modules/Dockerfile) and docker-library/postgres.
    const content = [
      'FROM debian:12.5-slim',
      'RUN apt-get update \\',
      '    && for module in $BUILT_MODULES; do \\',
      '           apt-get install --no-install-suggests --no-install-recommends -y /tmp/packages/nginx-module-${module}.deb; \\',
      '       done \\',
      '    && rm -rf /var/lib/apt/lists/',
      'RUN apt-get update; \\',
      '    if apt-get install -s "postgresql-$PG_MAJOR-jit" > /dev/null 2>&1; then \\',
      '        apt-get install -y --no-install-recommends "postgresql-$PG_MAJOR-jit"; \\',
      '    fi; \\',
      '    rm -rf /var/lib/apt/lists/*',
      'RUN if true; then sudo make install; fi',
    ].join('\n');
    for (const id of ['DF006', 'DF007', 'DF027', 'DF029']) assert.deepEqual(lines(id, content), [], id);
    assert.deepEqual(lines('DF009', content), [12]);
  });
});

describe('DF024 and DF022: COPY shapes', () => {
  it('accepts . as a destination directory and variables, fails a bare name with several sources', () => {
    const content = ['FROM node:20.15-bookworm-slim', 'COPY package.json yarn.lock .', 'COPY a b $DEST', 'COPY --chown=node a b c /app', 'ADD a.tgz b.tgz /opt', 'COPY <<EOF /etc/app.conf\nkey=value\nEOF'].join('\n');
    assert.deepEqual(lines('DF024', content), [4, 5]);
  });

  it('fails --from naming the current stage by name (any case) or index, not an earlier one', () => {
    const content = ['FROM golang:1.22.5 AS Build', 'COPY --from=build /a /b', 'FROM alpine:3.20', 'COPY --from=1 /a /b', 'COPY --from=0 /a /b', 'COPY --from=Build /a /b'].join('\n');
    assert.deepEqual(lines('DF022', content), [2, 4]);
  });
});

describe('DF023, DF031: EXPOSE and WORKDIR values', () => {
  it('fails ports outside 1-65535 and ranges that end outside it', () => {
    const content = ['FROM alpine:3.20', 'EXPOSE 0', 'EXPOSE 8080 65536/udp', 'EXPOSE 60000-70000', 'EXPOSE 65535 ${PORT} 443/tcp'].join('\n');
    assert.deepEqual(lines('DF023', content), [2, 3, 4]);
  });

  it('fails WORKDIRs in kernel and boot directories only', () => {
    const content = ['FROM alpine:3.20', 'WORKDIR /proc', 'WORKDIR "/dev/shm/app"', 'WORKDIR /sys/fs/cgroup', 'WORKDIR /boot/', 'WORKDIR /srv/dev', 'WORKDIR /devices', 'WORKDIR /app'].join('\n');
    assert.deepEqual(lines('DF031', content), [2, 3, 4, 5]);
  });
});

describe('Dockerfile rules on hostile input', () => {
  it('never raise an internal error, whatever the instruction arguments', () => {
    const keyword = fc.constantFrom('FROM', 'COPY', 'ADD', 'RUN', 'ARG', 'ENV', 'EXPOSE', 'WORKDIR', 'HEALTHCHECK', 'USER', 'CMD', 'ENTRYPOINT', 'ONBUILD');
    const word = fc.oneof(
      fc.constantFrom('--from=a', '--from=0', '--mount=type=secret', 'AS', 'a', '$TAG', '${X:-', '"', "'", '[', '["a",', '[]', '.npmrc', 'id_rsa', '-i', 'apt-get', 'install', 'update', 'zypper', 'clean', '&&', '|', ';', 'do', 'if', '99999', '0-', '=', 'X=', '\\'),
      fc.string({ maxLength: 6 }),
    );
    const line = fc.tuple(keyword, fc.array(word, { maxLength: 6 })).map(([k, ws]) => `${k} ${ws.join(' ')}`);
    fc.assert(fc.property(fc.array(line, { maxLength: 10 }), (ls) => {
      const scanned = scanIacFile({ name: 'Dockerfile', type: 'dockerfile', content: ['FROM alpine:3.20 AS a', ...ls].join('\n') });
      if (scanned.status === 'failed') assert.doesNotMatch(scanned.reason, /internal error/, ls.join('\n'));
    }), { numRuns: 1000 });
  });
});
