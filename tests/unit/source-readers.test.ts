/**
 * The drop folder's readers on their own (ingest/sources/readers/): the rules a file's bytes go through
 * before any mapping — delimiter, header names, one refused row that leaves its neighbours intact, Excel cells.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectDelimiter, openCsv } from '../../ingest/sources/readers/csv';
import { FileRejected, headerNames, MAX_RECORD_CHARS, scanFile, type Row } from '../../ingest/sources/readers/file';
import { cellToValue, openWorkbook } from '../../ingest/sources/readers/xlsx';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sinergi-readers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rowsOf(rows: AsyncIterable<Row>): Promise<Row[]> {
  const out: Row[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

async function csvFile(name: string, content: string | Buffer, headerRow = 1, delimiter = 'auto') {
  const path = join(dir, name);
  await writeFile(path, content);
  const scan = await scanFile(path);
  const opened = await openCsv(path, { headerRow, delimiter }, 'utf-8', scan.lines);
  return { scan, opened, rows: await rowsOf(opened.rows) };
}

describe('detectDelimiter', () => {
  it.each([
    ['Kode;Waktu;TMA', ';'],
    ['Kode,Waktu,TMA', ','],
    ['Kode\tWaktu\tTMA', '\t'],
    ['Kode|Waktu|TMA', '|'],
    ['"Pos; nama",Waktu,TMA', ','], // a delimiter inside a quoted name does not count
    ['single', ','], // nothing to go by: the standard comma
  ])('%j → %j', (header, expected) => expect(detectDelimiter(header)).toBe(expected));
});

describe('headerNames', () => {
  it.each([
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
    [
      [' a ', ''],
      ['a', 'column_2'],
    ], // trimmed; an empty name is named by position
    [
      ['a', 'a', 'a'],
      ['a', 'a_2', 'a_3'],
    ], // repeated names numbered, no column lost
    [
      ['a_2', 'a', 'a'],
      ['a_2', 'a', 'a_3'],
    ], // numbering skips a name already taken
    [
      [null, 7],
      ['column_1', '7'],
    ],
  ])('%j → %j', (cells, expected) => expect(headerNames(cells)).toEqual(expected));
});

describe('openCsv', () => {
  it('reads rows below report titles, with a multi-line quoted field, and hashes exactly the bytes read', async () => {
    const text = 'Laporan TMA\n\nKode;Catatan;TMA\nPS-01;"dua\nbaris";120\nPS-02;biasa;95\n';
    const { scan, opened, rows } = await csvFile('titles.csv', text, 3);
    expect(rows).toEqual([
      { kind: 'row', row: 4, data: { Kode: 'PS-01', Catatan: 'dua\nbaris', TMA: '120' } },
      { kind: 'row', row: 6, data: { Kode: 'PS-02', Catatan: 'biasa', TMA: '95' } },
    ]);
    expect(opened.digest()).toBe(scan.hash);
  });

  it('refuses one row (invalid UTF-8, over-long) and keeps its neighbours', async () => {
    const bad = Buffer.concat([Buffer.from('Kode,TMA\nPS-01,1\nPS-'), Buffer.from([0xff, 0xfe]), Buffer.from(',2\nPS-03,3\n')]);
    const long = `PS-04,${'x'.repeat(MAX_RECORD_CHARS + 10)}\n`;
    const { rows } = await csvFile('bad.csv', Buffer.concat([bad, Buffer.from(long), Buffer.from('PS-05,5\n')]));
    // Good rows are parsed in batches, so a refused row may come out before the good ones above it.
    rows.sort((a, b) => a.row - b.row);
    expect(rows.map((r) => [r.kind, r.row])).toEqual([
      ['row', 2],
      ['bad', 3],
      ['row', 4],
      ['bad', 5],
      ['row', 6],
    ]);
    expect((rows[1] as { reason: string }).reason).toMatch(/not valid UTF-8/);
    expect((rows[3] as { reason: string }).reason).toMatch(/long/);
  });

  it('refuses a file without a header as a whole', async () => {
    await expect(csvFile('empty.csv', '\n\n')).rejects.toBeInstanceOf(FileRejected);
  });
});

describe('scanFile', () => {
  it.each([
    ['zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2]), /ZIP/],
    ['xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2]), /legacy \.xls/],
    ['utf16', Buffer.from([0xff, 0xfe, 0x41, 0x00]), /UTF-16/],
    ['nul', Buffer.from('a,b\n\0\n'), /binary/],
    ['text', Buffer.from('a,b\n1,2'), null],
  ])('%s: tells what the bytes are', async (name, bytes, reason) => {
    const path = join(dir, `scan-${name}`);
    await writeFile(path, bytes);
    const scan = await scanFile(path);
    if (reason) expect(scan.notText).toMatch(reason);
    else expect(scan).toMatchObject({ notText: null, lines: 2 });
  });
});

describe('Excel', () => {
  it.each([
    [12.5, 12.5],
    ['teks', 'teks'],
    [true, 'true'],
    [new Date(Date.UTC(2026, 11, 6, 6, 10, 59, 999.6)), '2026-12-06T06:11:00+07:00'], // float noise rounded, wall clock kept
    [{ richText: [{ text: 'a' }, { text: 'b' }] }, 'ab'],
    [{ formula: 'A1*2', result: 4 }, 4],
    [{ formula: 'A1', result: { error: '#REF!' } }, '#REF!'],
    [{ error: '#DIV/0!' }, '#DIV/0!'],
    [null, undefined],
  ])('cellToValue(%j) → %j', (cell, expected) => expect(cellToValue(cell as ExcelJS.CellValue, '+07:00')).toEqual(expected));

  it('reads the named sheet from the header row, skipping empty rows', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Judul').addRow(['bukan ini']);
    const ws = wb.addWorksheet('Data');
    ws.addRow(['Laporan']);
    ws.addRow(['Kode', 'TMA']);
    ws.addRow(['PS-01', 120]);
    ws.addRow([]);
    ws.addRow(['PS-02', 95]);
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    const opened = await openWorkbook(bytes, { headerRow: 2, sheet: 'Data', utcOffset: '+07:00' });
    expect(await rowsOf(opened.rows)).toEqual([
      { kind: 'row', row: 3, data: { Kode: 'PS-01', TMA: 120 } },
      { kind: 'row', row: 5, data: { Kode: 'PS-02', TMA: 95 } },
    ]);
    await expect(openWorkbook(bytes, { headerRow: 1, sheet: 'Tidak ada', utcOffset: '+07:00' })).rejects.toThrow(/no sheet 'Tidak ada'/);
  });
});
