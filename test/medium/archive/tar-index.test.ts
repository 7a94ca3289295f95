import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveError, indexTar, normalizeArchivePath, TarFiles } from '../../../src/sources/archive/index.js';
import { makeTar } from '../../support/tar.js';

describe('tar index (header walk, byte ranges)', () => {
  let work: string;
  const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(60)}`;
  const longFile = `${longDir}/${'g'.repeat(120)}.txt`;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'openhss-tar-index-'));
    const src = join(work, 'src');
    mkdirSync(join(src, longDir), { recursive: true });
    writeFileSync(join(src, longFile), 'long name content\n');
    writeFileSync(join(src, 'short.txt'), Buffer.alloc(1500, 'a'));
    symlinkSync(`../../../../${'g'.repeat(120)}.txt`, join(src, longDir, 'link-to-nowhere'));
    symlinkSync(`${'g'.repeat(120)}.txt`, join(src, longDir, 'link'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const format of ['gnu', 'pax', 'ustar', 'oldgnu']) {
    it(`indexes a ${format} tar written by GNU tar, long names included`, async () => {
      const file = join(work, `${format}.tar`);
      try {
        execFileSync('tar', ['-C', join(work, 'src'), `--format=${format}`, '-cf', file, '.'], { stdio: 'pipe' });
      } catch (error) {
        // ustar cannot hold a 120-byte file name: GNU tar refuses it; that is tar's limit, not ours.
        assert.equal(format, 'ustar', String(error));
        return;
      }
      const index = await indexTar(file, `test:${file}`);
      const bytes = readFileSync(file);
      const long = index.entries.get(longFile)!;
      assert.ok(long, `${format}: found the long name`);
      assert.equal(bytes.subarray(long.offset, long.offset + long.size).toString(), 'long name content\n');
      const short = index.entries.get('short.txt')!;
      assert.equal(short.size, 1500);
      assert.equal(index.entries.get(longDir)?.type, 'directory');

      const files = await TarFiles.open(file, `test:${file}`);
      assert.equal((await files.read(`${longDir}/link`, 1024, 'link')).toString(), 'long name content\n', 'symlink followed inside the archive');
      const chunks: Buffer[] = [];
      for await (const chunk of await files.open('./short.txt')) chunks.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(chunks), Buffer.alloc(1500, 'a'));
      await assert.rejects(files.read(`${longDir}/link-to-nowhere`, 1024, 'link'), (e: unknown) => e instanceof ArchiveError && e.code === 'unsafe-path');
      await assert.rejects(files.read('short.txt', 100, 'short file'), /larger than the 100-byte limit/);
    });
  }

  it('indexes tar-stream output with pax long names', async () => {
    const file = join(work, 'pax-stream.tar');
    const name = `${'x'.repeat(200)}/${'y'.repeat(200)}`;
    writeFileSync(file, await makeTar([{ name, content: 'pax!' }]));
    const index = await indexTar(file, 'test');
    const entry = index.entries.get(name)!;
    assert.equal(readFileSync(file).subarray(entry.offset, entry.offset + entry.size).toString(), 'pax!');
  });

  it('caps the number of entries and the size of metadata records', async () => {
    const file = join(work, 'many.tar');
    writeFileSync(file, await makeTar(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, content: 'x' }))));
    await assert.rejects(indexTar(file, 'test', { maxEntries: 10, maxMetaBytes: 1024 }), (e: unknown) => e instanceof ArchiveError && e.code === 'too-large');
    const pax = join(work, 'big-pax.tar');
    writeFileSync(pax, await makeTar([{ name: 'z'.repeat(5000), content: 'x' }]));
    await assert.rejects(indexTar(pax, 'test', { maxEntries: 10, maxMetaBytes: 1024 }), /metadata record .* over the 1024-byte limit/);
  });

  it('normalises names and refuses absolute or climbing ones', () => {
    assert.equal(normalizeArchivePath('./a/b/'), 'a/b');
    assert.equal(normalizeArchivePath('a//b'), 'a/b');
    assert.equal(normalizeArchivePath('./'), '.');
    assert.equal(normalizeArchivePath('../a'), null);
    assert.equal(normalizeArchivePath('a/../../b'), null);
    assert.equal(normalizeArchivePath('/etc/passwd'), null);
    assert.equal(normalizeArchivePath('C:\\x'), null);
  });
});
