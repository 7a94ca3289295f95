import ExcelJS from 'exceljs';
import { EventEmitter, once } from 'node:events';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { Cell } from './kinds.js';
import { FileSink, type SheetWriter } from './sheet-writer.js';

/** Rows between pauses that let the zip stream drain into the file. */
const ROWS_PER_FLUSH = 500;

/** The part of a (readable-stream) Writable that says whether it wants no more data for now. */
interface ZipInput extends EventEmitter {
  _writableState?: { needDrain?: boolean };
}

/**
 * The stream the zip compressor reads the sheet's XML from. exceljs writes
 * rows into it without waiting when it is full, so without this check the
 * whole uncompressed sheet piles up in memory whenever rows come faster than
 * they are compressed (measured: 0.7 KB per row, 100 MB for 100,000 rows).
 * It is a `readable-stream` PassThrough inside exceljs: reached through
 * exceljs's internals, hence the tolerance for their absence.
 */
function sheetZipInput(sheet: ExcelJS.Worksheet): ZipInput | undefined {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown[] } }).stream?.pipes;
  const first = Array.isArray(pipes) ? pipes[0] : undefined;
  return first instanceof EventEmitter ? (first as ZipInput) : undefined;
}

/**
 * XLSX through exceljs's streaming writer: each row is committed (turned
 * into XML and handed to the zip stream) as soon as it is written, and no
 * shared-strings table is kept, so memory does not grow with the row count.
 *
 * Cells keep their text verbatim, with no `'` prefix: an XLSX string cell
 * is typed as text and is never evaluated, whatever it starts with (only
 * cells of formula type are), and a prefix would change values such as
 * versions shown to the user. CSV, which carries no types, is defused instead.
 */
export class XlsxWriter implements SheetWriter {
  private pending = 0;

  private constructor(
    private readonly sink: FileSink,
    private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter,
    private readonly sheet: ExcelJS.Worksheet,
  ) {}

  static async create(target: string | FileSink, sheetName: string, columns: ReadonlyArray<{ header: string; width: number }>): Promise<XlsxWriter> {
    const sink = typeof target === 'string' ? await FileSink.open(target) : target;
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink.stream, useSharedStrings: false, useStyles: false });
    const sheet = workbook.addWorksheet(sheetName);
    sheet.columns = columns.map((c) => ({ header: c.header, width: c.width }));
    sheet.getRow(1).commit();
    return new XlsxWriter(sink, workbook, sheet);
  }

  async row(values: readonly Cell[]): Promise<void> {
    this.sheet.addRow(values.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))).commit();
    if (++this.pending >= ROWS_PER_FLUSH) {
      this.pending = 0;
      await yieldToIo();
      const zipInput = sheetZipInput(this.sheet);
      // Raced with the sink's failure: an upload that failed stops reading, and the zip input would never drain.
      if (zipInput?._writableState?.needDrain) await Promise.race([once(zipInput, 'drain'), this.sink.failed]);
      if (this.sink.stream.writableNeedDrain) await Promise.race([once(this.sink.stream, 'drain'), this.sink.failed]);
    }
  }

  async finish(): Promise<void> {
    this.sheet.commit();
    await Promise.race([this.workbook.commit(), this.sink.failed]);
    await this.sink.close();
  }

  abort(): Promise<void> {
    return this.sink.destroy();
  }
}
