import { existsSync, linkSync, rmSync, statSync } from 'node:fs';
import { buildDemoDb } from './demo.js';
import { VulnDbReader } from './reader.js';

/** How long a replaced reader stays open for matches that began before the swap. */
const RETIRE_AFTER_MS = 5 * 60_000;
/** How often the file is looked at for a swap. */
const CHECK_EVERY_MS = 2000;

/**
 * The service's view of the vulnerability DB file: one reader, replaced
 * when `openhss db update` or `db import` swaps the file (they rename a new
 * file into place), with listeners told so stored inventories can be re-matched.
 */
export class VulnDbProvider {
  private current: VulnDbReader | undefined;
  private identity = '';
  private checkedAt = 0;
  private readonly retired = new Set<VulnDbReader>();
  private readonly listeners: Array<() => void> = [];

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Opens the DB, building the small demo DB first when there is none, so a new install works offline. */
  async open(): Promise<void> {
    if (!existsSync(this.file)) {
      // Built aside and linked into place only if still absent: processes starting together
      // (several workers) must not replace each other's copy, which would look like an update.
      const aside = `${this.file}.demo-${process.pid}`;
      await buildDemoDb(aside);
      try {
        linkSync(aside, this.file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        rmSync(aside, { force: true });
      }
    }
    this.swapIn();
  }

  /** Names the file now in use; it changes whenever the file is replaced. */
  generation(): string {
    return this.identity;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  reader(): VulnDbReader {
    if (this.now() - this.checkedAt >= CHECK_EVERY_MS) this.refresh();
    if (!this.current) throw new Error('the vulnerability DB is not open');
    return this.current;
  }

  /** Looks at the file now; returns true when a new one was swapped in. */
  refresh(): boolean {
    this.checkedAt = this.now();
    if (!existsSync(this.file) || fileIdentity(this.file) === this.identity) return false;
    this.swapIn();
    for (const listener of this.listeners) listener();
    return true;
  }

  close(): void {
    this.current?.close();
    this.current = undefined;
    for (const reader of this.retired) reader.close();
    this.retired.clear();
  }

  private swapIn(): void {
    const old = this.current;
    this.identity = fileIdentity(this.file);
    this.current = VulnDbReader.open(this.file);
    this.checkedAt = this.now();
    if (old) {
      this.retired.add(old);
      setTimeout(() => {
        this.retired.delete(old);
        old.close();
      }, RETIRE_AFTER_MS).unref();
    }
  }
}

function fileIdentity(file: string): string {
  const s = statSync(file);
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
}
