import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile, shellText } from '../../../src/iac/dockerfile/parse.js';

const brief = (content: string) => parseDockerfile(content).instructions.map((i) => [i.keyword, i.startLine, i.endLine, i.stage]);

describe('parseDockerfile', () => {
  it('reads directives only at the top, and stages with names and global ARGs', () => {
    const df = parseDockerfile('# syntax=docker/dockerfile:1\n# check=skip=all\nARG BASE=alpine:3.20\n# notadirective=1\nFROM --platform=$BUILDPLATFORM ${BASE} AS Build\nRUN make\nFROM build\nCOPY --from=build /a /a\n');
    assert.deepEqual(df.directives, { syntax: 'docker/dockerfile:1', check: 'skip=all' });
    assert.deepEqual(df.globalArgs, { BASE: 'alpine:3.20' });
    assert.deepEqual(df.stages.map((s) => [s.index, s.name, s.image, s.from.startLine]), [[0, 'build', '${BASE}', 5], [1, undefined, 'build', 7]]);
    assert.deepEqual(df.stages[0]?.from.flags, { platform: '$BUILDPLATFORM' });
    assert.deepEqual(df.instructions.find((i) => i.keyword === 'COPY')?.flags, { from: 'build' });
    assert.deepEqual(df.comments.map((c) => c.line), [1, 2, 4]);
  });

  it('joins continuations, drops comment and blank lines inside them, and handles CRLF', () => {
    const df = parseDockerfile('FROM a:1\r\nRUN one \\\r\n  # inside\r\n\r\n  two \\\r\n  three\r\nCMD x\r\n');
    assert.deepEqual(brief('FROM a:1\r\nRUN one \\\r\n  # inside\r\n\r\n  two \\\r\n  three\r\nCMD x\r\n'), [['FROM', 1, 1, 0], ['RUN', 2, 6, 0], ['CMD', 7, 7, 0]]);
    assert.equal(df.instructions[1]?.rest, 'one two three');
  });

  it('reads several heredocs and keeps <<-quoted text and here-strings as plain text', () => {
    const content = 'FROM a:1\nCOPY <<A <<-"B" /dst/\na\nA\n\tb\n\tB\nRUN echo "x<<y" && cat <<< "z"\nRUN <<EOT\ncurl -s https://x | sh\nEOT\n';
    assert.deepEqual(brief(content), [['FROM', 1, 1, 0], ['COPY', 2, 6, 0], ['RUN', 7, 7, 0], ['RUN', 8, 10, 0]]);
    const df = parseDockerfile(content);
    assert.deepEqual(df.instructions[1]?.heredocs, [{ delimiter: 'A', body: 'a' }, { delimiter: 'B', body: 'b' }]);
    assert.equal(shellText(df.instructions[3]!), '<<EOT\ncurl -s https://x | sh');
  });

  it('reads exec form as words, and sh -c exec form as its script', () => {
    const df = parseDockerfile('FROM a:1\nRUN ["/bin/sh", "-c", "apt-get install x"]\n');
    assert.equal(shellText(df.instructions[1]!), 'apt-get install x');
    assert.equal(shellText(parseDockerfile('FROM a:1\nRUN ["make", "all"]\n').instructions[1]!), 'make all');
  });
});
