import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { CsvWriter, csvField } from '../../../src/exports/csv-writer.js';
import { XlsxWriter } from '../../../src/exports/xlsx-writer.js';

describe('export writers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openhss-writers-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('CSV fields follow RFC 4180 and defuse formula-leading text', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\r\nlines'), '"two\r\nlines"');
    assert.equal(csvField('=HYPERLINK("http://x")'), '"\'=HYPERLINK(""http://x"")"');
    assert.equal(csvField('+1'), "'+1");
    assert.equal(csvField('-cmd'), "'-cmd");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('\tx'), "'\tx");
    assert.equal(csvField(9.8), '9.8');
    assert.equal(csvField(-1), '-1', 'numbers are numbers, not text');
    assert.equal(csvField(null), '');
    assert.equal(csvField(''), '');
  });

  it('a CSV file has a BOM, a header record and CRLF line ends', async () => {
    const path = join(dir, 'a.csv');
    const w = await CsvWriter.create(path, ['Name', 'Score']);
    await w.row(['ö, ü', 7.5]);
    await w.row(['=1+1', null]);
    await w.finish();
    assert.equal(readFileSync(path, 'utf8'), '\uFEFFName,Score\r\n"ö, ü",7.5\r\n\'=1+1,\r\n');
  });

  it('an XLSX file holds the header row and typed cells; text starting with = stays text', async () => {
    const path = join(dir, 'a.xlsx');
    const w = await XlsxWriter.create(path, 'Sheet', [{ header: 'Name', width: 10 }, { header: 'Score', width: 5 }]);
    for (let i = 0; i < 1200; i++) await w.row([`row ${i}`, i]);
    await w.row(['=1+1', null]);
    await w.finish();
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path);
    const sheet = book.getWorksheet('Sheet')!;
    assert.equal(sheet.rowCount, 1202);
    assert.deepEqual([sheet.getCell('A1').value, sheet.getCell('B1').value], ['Name', 'Score']);
    assert.deepEqual([sheet.getCell('A2').value, sheet.getCell('B2').value], ['row 0', 0]);
    const last = sheet.getRow(1202);
    assert.equal(last.getCell(1).value, '=1+1');
    assert.equal(last.getCell(1).type, ExcelJS.ValueType.String);
    assert.equal(last.getCell(2).value, null);
  });
});
