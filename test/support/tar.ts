import { pack, type Header } from 'tar-stream';

/** A fixed time, so the same entries always make the same bytes (and digests). */
const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

export type TarEntry = { name: string; content?: string | Buffer; type?: Header['type']; linkname?: string; mode?: number };

/** A real tar archive (tar-stream's writer) holding the given entries, in order. */
export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    await new Promise<void>((resolve, reject) => {
      const header: Partial<Header> & Pick<Header, 'name'> = { name: entry.name, type, mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: FIXED_MTIME, ...(entry.linkname ? { linkname: entry.linkname } : {}) };
      if (type === 'file') archive.entry(header, entry.content ?? '', (err) => (err ? reject(err) : resolve()));
      else archive.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}
