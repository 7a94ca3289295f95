import { neutralizeFormula } from './cell-text.js';
import type { Cell } from './kinds.js';
import { FileSink, type SheetWriter } from './sheet-writer.js';

/** One RFC 4180 field: quoted when it holds a quote, comma or line break; text fields defused against formula injection. */
export function csvField(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = neutralizeFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRecord = (values: readonly Cell[]): string => `${values.map(csvField).join(',')}\r\n`;

/**
 * CSV as RFC 4180 says (CRLF line ends, a header record), with a UTF-8 byte
 * order mark so Excel reads non-ASCII names correctly.
 */
export class CsvWriter implements SheetWriter {
  private constructor(private readonly sink: FileSink) {}

  static async create(target: string | FileSink, headers: readonly string[]): Promise<CsvWriter> {
    const sink = typeof target === 'string' ? await FileSink.open(target) : target;
    await sink.write(`\uFEFF${csvRecord(headers)}`);
    return new CsvWriter(sink);
  }

  async row(values: readonly Cell[]): Promise<void> {
    await this.sink.write(csvRecord(values));
  }

  finish(): Promise<void> {
    return this.sink.close();
  }

  abort(): Promise<void> {
    return this.sink.destroy();
  }
}
