import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RuleResult } from '../../../src/rules/types.js';
import { scanIacFile, scanIacFiles, type IacFile } from '../../../src/iac/scan-file.js';

function results(file: IacFile): RuleResult[] {
  const scanned = scanIacFile(file);
  assert.equal(scanned.status, 'success', scanned.status === 'failed' ? scanned.reason : '');
  return scanned.status === 'success' ? scanned.results : [];
}

const at = (rs: RuleResult[], id: string) => rs.filter((r) => r.rule.id === id).map((r) => [r.startLine, r.endLine, r.resource?.name]);

const MULTI_DOC = `# first document: a Pod
apiVersion: v1
kind: Pod
metadata:
  name: tools
  namespace: ops
spec:
  containers:
    - name: shell
      image: busybox:1.36
      securityContext:
        privileged: true
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: ops
spec:
  template:
    spec:
      hostPID: true
      volumes:
        - name: root
          hostPath:
            path: /
            type: Directory
      containers:
        - name: api
          image: example/api
`;

describe('scanIacFile: Kubernetes YAML', () => {
  it('reports exact line ranges across documents', () => {
    const rs = results({ name: 'multi.yaml', type: 'k8s_yaml', content: MULTI_DOC });
    assert.deepEqual(at(rs, 'K8S001'), [[12, 12, 'tools']]);
    assert.deepEqual(at(rs, 'K8S002'), [[22, 22, 'api']]);
    // A map entry spans its key through the end of its value.
    assert.deepEqual(at(rs, 'K8S004'), [[25, 27, 'api']]);
    assert.deepEqual(at(rs, 'K8S017'), [[30, 30, 'api']]);
    // A missing field falls back to the nearest existing ancestor: the container.
    assert.deepEqual(at(rs, 'K8S014'), [[9, 12, 'tools'], [29, 30, 'api']]);
    const r = rs.find((x) => x.rule.id === 'K8S001');
    assert.equal(r?.file, 'multi.yaml');
    assert.deepEqual(r?.resource, { kind: 'Pod', name: 'tools', namespace: 'ops' });
    assert.equal(r?.status, 'failed');
    assert.equal(typeof (r?.rule as { check?: unknown }).check, 'undefined', 'results carry plain rule metadata');
  });

  it('walks List items with their own resources and lines', () => {
    const content = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: a, namespace: x}
    spec:
      hostNetwork: true
      containers: [{name: c, image: "nginx:1.27"}]
  - apiVersion: v1
    kind: Service
    metadata: {name: grafana, namespace: x}
    spec: {type: NodePort, ports: [{port: 3000}]}
  - just a string
`;
    const rs = results({ name: 'list.yaml', type: 'k8s_yaml', content });
    assert.deepEqual(at(rs, 'K8S005'), [[8, 8, 'a']]);
    assert.deepEqual(at(rs, 'K8S025'), [[13, 13, 'grafana']]);
    assert.deepEqual(rs.find((r) => r.rule.id === 'K8S025')?.resource, { kind: 'Service', name: 'grafana', namespace: 'x' });
  });

  it('skips empty, scalar and kind-less documents', () => {
    const content = '---\n# nothing\n---\njust text\n---\n- a\n- b\n---\nreplicas: 3\n---\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n';
    assert.deepEqual(results({ name: 'misc.yaml', type: 'k8s_yaml', content }), []);
  });

  it('fails a file with a YAML syntax error, giving line and column', () => {
    const content = 'kind: Pod\nmetadata:\n  name: ok\n---\nkind: Pod\nspec:\n  containers: [\n  - name: x\n';
    const scanned = scanIacFile({ name: 'bad.yaml', type: 'k8s_yaml', content });
    assert.equal(scanned.status, 'failed');
    assert.match(scanned.status === 'failed' ? scanned.reason : '', /^YAML syntax error in document 2: line \d+, column \d+: /);
  });

  it('fails duplicate keys, binary content and alias bombs', () => {
    const dup = scanIacFile({ name: 'dup.yaml', type: 'k8s_yaml', content: 'kind: Pod\nkind: Service\n' });
    assert.equal(dup.status, 'failed');
    const binary = scanIacFile({ name: 'bin.yaml', type: 'k8s_yaml', content: '\u0000\u0001\u0002ELF' });
    assert.deepEqual(binary, { status: 'failed', reason: 'not a text file (binary content)' });
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghij'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`), 'kind: Pod'].join('\n');
    assert.equal(scanIacFile({ name: 'bomb.yaml', type: 'k8s_yaml', content: bomb }).status, 'failed');
  });
});

describe('scanIacFile: Dockerfile', () => {
  it('gives a continued RUN its whole line range, comments inside included', () => {
    const content = [
      'FROM debian:12',
      '',
      'RUN apt-get update && \\',
      '    # install the tools',
      '    apt-get install -y curl && \\',
      '    curl -fsSL https://example.com/x.sh | bash',
      'USER root',
      '',
    ].join('\n');
    const rs = results({ name: 'Dockerfile', type: 'dockerfile', content });
    assert.deepEqual(at(rs, 'DF004'), [[3, 6, undefined]]);
    assert.deepEqual(at(rs, 'DF006'), [[3, 6, undefined]]);
    assert.deepEqual(at(rs, 'DF001'), [[7, 7, undefined]]);
    assert.deepEqual(at(rs, 'DF011'), [[1, 1, undefined]], 'stage-wide findings point at FROM');
    assert.equal(rs[0]?.file, 'Dockerfile');
    assert.equal(rs.find((r) => r.rule.id === 'DF001')?.resource, undefined);
  });

  it('counts heredoc bodies in the RUN and its lines', () => {
    const content = 'FROM alpine:3.20\nRUN <<EOF\nset -e\napk add curl\nEOF\nUSER app\nHEALTHCHECK NONE\n';
    assert.deepEqual(at(results({ name: 'Dockerfile', type: 'dockerfile', content }), 'DF012'), [[2, 5, undefined]]);
  });

  it('honours the escape directive', () => {
    const content = '# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN powershell -Command `\n    $ErrorActionPreference = \'Stop\'; `\n    Invoke-WebRequest https://example.com/x.ps1\nWORKDIR C:\\app\nUSER ContainerUser\nHEALTHCHECK NONE\n';
    const rs = results({ name: 'Dockerfile', type: 'dockerfile', content });
    assert.deepEqual(rs.map((r) => r.rule.id), []);
  });

  it('fails files that are not Dockerfiles, with the reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['RUN echo hi\n', /RUN before the first FROM/],
      ['# only a comment\nARG X=1\n', /no FROM instruction/],
      ['FROM alpine:3.20\nFROMM x\n', /line 2: unknown instruction "FROMM"/],
      ['FROM alpine:3.20\nRUN <<EOF\necho never closed\n', /heredoc EOF is never closed/],
      ['\u0000\u0001binary\u0002\u0003', /binary/],
      ['# escape=x\nFROM alpine\n', /invalid escape directive/],
    ];
    for (const [content, reason] of cases) {
      const scanned = scanIacFile({ name: 'Dockerfile', type: 'dockerfile', content });
      assert.equal(scanned.status, 'failed', content);
      assert.match(scanned.status === 'failed' ? scanned.reason : '', reason);
    }
  });
});

describe('scanIacFiles', () => {
  it('counts unparsable files as failures and keeps scanning the rest', () => {
    const files: IacFile[] = [
      ...Array.from({ length: 9 }, (_, i): IacFile => ({ name: `d${i}/Dockerfile`, type: 'dockerfile', content: 'FROM alpine\nUSER root\n' })),
      { name: 'broken.yaml', type: 'k8s_yaml', content: 'a: [\n' },
    ];
    const batch = scanIacFiles(files);
    assert.equal(batch.successCount, 9);
    assert.equal(batch.failedCount, 1);
    assert.equal(batch.files[9]?.status, 'failed');
    assert.equal(batch.files[9]?.name, 'broken.yaml');
    const first = batch.files[0];
    assert.ok(first?.status === 'success' && first.results.some((r) => r.rule.id === 'DF001' && r.startLine === 2 && r.file === 'd0/Dockerfile'));
  });
});

describe('Dockerfile shell reading', () => {
  it('looks inside sh -c scripts and exec form', () => {
    const content = 'FROM debian:12\nRUN bash -c "apt-get update && apt-get install -y curl"\nRUN ["/bin/sh", "-c", "sudo make install"]\nRUN sh -c \'FOO=1 sudo -u app make\'\nUSER app\nHEALTHCHECK NONE\n';
    const rs = results({ name: 'Dockerfile', type: 'dockerfile', content });
    assert.deepEqual(rs.map((r) => [r.rule.id, r.startLine]), [['DF006', 2], ['DF007', 2], ['DF009', 3], ['DF009', 4]]);
  });

  it('does not mistake package names or quoted text for commands', () => {
    const content = 'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends sudo curl && rm -rf /var/lib/apt/lists/* && echo "cd later; chmod 777 is bad"\nUSER app\nHEALTHCHECK NONE\n';
    assert.deepEqual(results({ name: 'Dockerfile', type: 'dockerfile', content }).map((r) => r.rule.id), []);
  });
});

describe('Dockerfile stages', () => {
  it('follows FROM <stage> for USER and HEALTHCHECK, and resolves global ARGs in FROM', () => {
    const content = [
      'ARG RUNTIME=gcr.io/distroless/base:latest',
      'ARG PINNED=alpine:3.20',
      'FROM ${PINNED} AS base',
      'USER 65532',
      'HEALTHCHECK CMD ["/app", "health"]',
      'FROM base AS final',
      'COPY app /app',
      'FROM ${RUNTIME} AS unused',
      'FROM final',
      '',
    ].join('\n');
    const rs = results({ name: 'Dockerfile', type: 'dockerfile', content });
    assert.deepEqual(rs.map((r) => [r.rule.id, r.startLine, r.message]), [['DF002', 8, 'base image "gcr.io/distroless/base:latest" uses the latest tag']]);
  });

  it('accepts pinned digests and registry ports, flags untagged registry images', () => {
    const content = 'FROM localhost:5000/tools@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31 AS a\nFROM localhost:5000/app\nUSER app\nHEALTHCHECK NONE\n';
    assert.deepEqual(at(results({ name: 'Dockerfile', type: 'dockerfile', content }), 'DF002'), [[2, 2, undefined]]);
  });
});
