/**
 * The csv-folder source against real files in a temporary drop folder: a BPBD water-level export with the
 * usual defects, re-drops, workbooks, files still being copied, unreadable files and a large backfill.
 */
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mappingSchema } from '../../ingest/mapping';
import type { PollSource, SourceContext, SourceDefinition } from '../../ingest/source';
import { createCsvFolderSource, csvFolderConfigSchema, csvFolderDefinition } from '../../ingest/sources/csv-folder';
import { collectingContext } from '../support/source-context';

// The definition fits the registry's element type (ingest/sources/index.ts).
const _registrable: readonly SourceDefinition[] = [csvFolderDefinition];

const STATIONS = { 'PS-01': 'bpbd.pos.bkb', 'PS-02': 'bpbd.pos.kali-garang', 'PS-03': 'bpbd.pos.kali-semarang' };

/** BPBD's export: their station codes and kelurahan names, local `dd/mm/yyyy hh:mm` times, decimal commas. */
const bpbdMapping = mappingSchema.parse({
  version: 'bpbd-tma-1',
  produces: 'points',
  fields: {
    metric: { const: 'water_level' },
    entity: { from: 'Kode Pos', codes: 'pos' },
    region: { from: 'Kelurahan', codes: 'kelurahan' },
    time: { from: 'Waktu', format: 'dmy_hm' },
    value: { from: 'TMA (cm)' },
  },
  codes: {
    pos: STATIONS,
    kelurahan: { Tawangmas: '33.74.05.1001', 'Bendan Ngisor': '33.74.09.1003', Kuningan: '33.74.01.1002' },
  },
});

const wib = (iso: string) => Date.parse(`${iso}+07:00`);

/** `dd/mm/yyyy hh:mm` in WIB. */
function dmy(t: number): string {
  const d = new Date(t + 7 * 3_600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

let root: string;
let drop: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sinergi-csv-folder-'));
  drop = join(root, 'drop');
  await mkdir(drop);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A source made the way the worker makes it: own config through the schema, paths relative to baseDir. */
async function folderSource(own: Record<string, unknown> = {}): Promise<PollSource> {
  const config = csvFolderConfigSchema.parse({ dir: 'drop', ...own });
  const source = await csvFolderDefinition.create({ ...config, name: 'bpbd-tma' }, { baseDir: root });
  if (source.mode !== 'poll') throw new Error('csv-folder must be a poll source');
  return source;
}

/** Writes a file and dates it a minute back, as a finished copy would be. */
async function drop_(name: string, content: string | Buffer | Uint8Array): Promise<string> {
  const path = join(drop, name);
  await writeFile(path, content);
  const past = new Date(Date.now() - 60_000);
  await utimes(path, past, past);
  return path;
}

const rowOf = (origin: string) => Number(origin.slice(origin.lastIndexOf(':') + 1));

describe('csv-folder source', () => {
  it('ingests exactly the good rows of a messy BPBD export and quarantines each bad row with its reason', async () => {
    const future = dmy(Date.now() + 24 * 3_600_000);
    const lines: (string | Buffer)[] = [
      'Kode Pos;Nama Pos;Kelurahan;Waktu;TMA (cm)', // 1
      'PS-01;Pos Banjir Kanal Barat;Tawangmas;01/03/2026 10:00;152,5', // 2 good
      'PS-02;Pos Kali Garang;Bendan Ngisor;01/03/2026 10:00;98', // 3 good
      'PS-99;Pos Tidak Dikenal;Kuningan;01/03/2026 10:00;40,0', // 4 unknown station
      'PS-03;Pos Kali Semarang;Kuningan;01/03/2026 10:00;tinggi', // 5 not a number
      'PS-03;Pos Kali Semarang;Kuningan;01/03/2026 10:05;NaN', // 6
      'PS-03;Pos Kali Semarang;Kuningan;01/03/2026 10:10;Infinity', // 7
      `PS-01;Pos Banjir Kanal Barat;Tawangmas;${future};150,0`, // 8 in the future
      `PS-01;${'x'.repeat(100_000)};Tawangmas;01/03/2026 10:05;151,0`, // 9 a huge row
      `PS-02;Pos Kali Garang;${'Bendan '.repeat(90)};01/03/2026 10:05;97,5`, // 10 a long field
      'PS-02;"Pos Kali Garang;Bendan Ngisor;01/03/2026 10:10;96,0', // 11 a quote never closed
      'PS-01;Pos Banjir Kanal Barat;Tawangmas;01/03/2026 10:10;153,0', // 12 good
      'PS-03;Pos Kali Semarang;Kuningan;01/03/2026 10:10;61,25', // 13 good
      Buffer.concat([Buffer.from('PS-02;Pos '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' Garang;Bendan Ngisor;01/03/2026 10:15;95,5')]), // 14 invalid UTF-8
      'PS-03;Pos Kali "Semarang;Kuningan;01/03/2026 10:15;60', // 15 a stray quote
      '', // 16 blank
      ';;;;', // 17 empty cells
      'PS-01;"Pos ""BKB""', // 18 good: a quoted field over two lines…
      'lantai 2";Tawangmas;01/03/2026 10:15;154,5', // 19 …ends here
      'PS-03;"Pos Kali Semarang"x;Kuningan;01/03/2026 10:20;59', // 20 text after a closing quote
      'PS-01;Pos Banjir Kanal Barat;Tawangmas;01/03/2026 10:20;155', // 21 good
    ];
    // Excel's "CSV UTF-8": a byte order mark and CRLF line ends.
    const bytes = Buffer.concat([Buffer.from('\uFEFF'), ...lines.flatMap((l) => [Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from('\r\n')])]);
    await drop_('tma-2026-03-01.csv', bytes);

    const { ctx, accepted, quarantined } = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping });
    const source = await folderSource();
    await source.poll(ctx);

    expect(accepted.map((r) => ('point' in r ? [r.point.entity, r.point.time, r.point.value, r.point.region] : null))).toEqual([
      [STATIONS['PS-01'], wib('2026-03-01T10:00:00'), 152.5, '33.74.05.1001'],
      [STATIONS['PS-02'], wib('2026-03-01T10:00:00'), 98, '33.74.09.1003'],
      [STATIONS['PS-01'], wib('2026-03-01T10:10:00'), 153, '33.74.05.1001'],
      [STATIONS['PS-03'], wib('2026-03-01T10:10:00'), 61.25, '33.74.01.1002'],
      [STATIONS['PS-01'], wib('2026-03-01T10:15:00'), 154.5, '33.74.05.1001'],
      [STATIONS['PS-01'], wib('2026-03-01T10:20:00'), 155, '33.74.05.1001'],
    ]);
    expect(accepted.every((r) => r.opd === 'BPBD' && 'point' in r && r.point.metric === 'water_level')).toBe(true);

    const bad = quarantined.map((q) => ({ origin: q.origin, reason: q.reason })).sort((a, b) => rowOf(a.origin) - rowOf(b.origin));
    expect(bad.map((q) => q.origin)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 20].map((n) => `tma-2026-03-01.csv:${n}`));
    const reasons = bad.map((q) => q.reason);
    expect(reasons[0]).toMatch(/unmapped pos code 'PS-99'/);
    expect(reasons[1]).toMatch(/'TMA \(cm\)' is "tinggi", not a finite number/);
    expect(reasons[2]).toMatch(/"NaN", not a finite number/);
    expect(reasons[3]).toMatch(/"Infinity", not a finite number/);
    expect(reasons[4]).toMatch(/in the future/);
    expect(reasons[5]).toMatch(/row is 1000\d\d characters long/);
    expect(reasons[6]).toMatch(/'Kelurahan' is 6\d\d characters long; at most 500/);
    expect(reasons[7]).toMatch(/quote opened on this row is never closed/);
    expect(reasons[8]).toMatch(/not valid UTF-8/);
    expect(reasons[9]).toMatch(/quote opened on this row is never closed/);
    expect(reasons[10]).toMatch(/^CSV: Invalid Closing Quote/);
    for (const q of quarantined) expect(q.source).toBe('bpbd-tma');
  });

  it('ingests a file once: not again next round, nor after a restart, nor re-dropped under another name', async () => {
    const csv = 'Kode Pos,Kelurahan,Waktu,TMA (cm)\nPS-01,Tawangmas,01/03/2026 10:00,152.5\nPS-02,Bendan Ngisor,01/03/2026 10:00,98\n';
    await drop_('tma-a.csv', csv);
    const { ctx, accepted, quarantined, stateDir } = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping });
    const source = await folderSource();
    await source.poll(ctx);
    expect(accepted).toHaveLength(2); // `,` found by itself, `.` decimals
    await source.poll(ctx);
    await drop_('tma-a (1).csv', csv);
    await source.poll(ctx);
    const restarted = await folderSource();
    await restarted.poll(ctx);
    const again = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping, stateDir });
    await restarted.poll(again.ctx);
    expect(accepted).toHaveLength(2);
    expect(again.accepted).toHaveLength(0);
    expect(quarantined).toHaveLength(0);
    // New content is new, whatever its name.
    await drop_('tma-a.csv', `${csv}PS-03,Kuningan,01/03/2026 10:00,61\n`);
    await restarted.poll(again.ctx);
    expect(again.accepted).toHaveLength(3);
  });

  it('re-ingests a file whose ingest failed midway, and only then remembers it', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => `PS-01;Tawangmas;01/03/2026 10:0${i};15${i}`);
    await drop_('tma.csv', ['Kode Pos;Kelurahan;Waktu;TMA (cm)', ...rows].join('\n'));
    const { ctx, accepted } = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping });
    let calls = 0;
    const failing: SourceContext = {
      ...ctx,
      ingest: async (records) => {
        if (++calls === 2) throw new Error('spool disk full');
        return ctx.ingest(records);
      },
    };
    const source = await folderSource({ chunkRows: 2 });
    await expect(source.poll(failing)).rejects.toThrow('spool disk full');
    expect(accepted).toHaveLength(2);
    await source.poll(ctx);
    expect(accepted).toHaveLength(2 + 5); // all again: the server takes repeats idempotently
    await source.poll(ctx);
    expect(accepted).toHaveLength(7);
  });

  it('stops between chunks on close() without remembering the file, so the next start reads it whole', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => `PS-02;Bendan Ngisor;01/03/2026 11:0${i};9${i}`);
    await drop_('tma.csv', ['Kode Pos;Kelurahan;Waktu;TMA (cm)', ...rows].join('\n'));
    const { ctx, accepted, stateDir } = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping });
    const source = await folderSource({ chunkRows: 2 });
    let closing: Promise<void> | undefined;
    const stopping: SourceContext = { ...ctx, ingest: async (r) => ((closing ??= Promise.resolve(source.close?.())), ctx.ingest(r)) };
    await source.poll(stopping);
    await closing;
    expect(accepted).toHaveLength(2);
    const again = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping, stateDir });
    await (await folderSource({ chunkRows: 2 })).poll(again.ctx);
    expect(again.accepted).toHaveLength(6);
  });

  it('reads windows-1252 exports when told to, and says so when not told', async () => {
    const csv = Buffer.from('Kode Pos;Nama Pos;Kelurahan;Waktu;TMA (cm)\r\nPS-01;Pos Caf\xe9;Tawangmas;01/03/2026 10:00;152,5\r\n', 'latin1');
    await drop_('tma.csv', csv);
    const utf8 = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping });
    await (await folderSource()).poll(utf8.ctx);
    expect(utf8.quarantined.map((q) => [q.origin, q.reason])).toEqual([['tma.csv:2', expect.stringMatching(/not valid UTF-8; .*windows-1252/)]]);
    const cp1252 = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping });
    await (await folderSource({ encoding: 'windows-1252' })).poll(cp1252.ctx);
    expect(cp1252.quarantined).toEqual([]);
    expect(cp1252.accepted).toHaveLength(1);
  });

  it('reads an .xlsx workbook: the named sheet, below a title row, with dates, formulas, rich text and error cells', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Keterangan').addRow(['Data tinggi muka air, BPBD Kota Semarang']);
    const ws = wb.addWorksheet('TMA');
    ws.addRow(['Laporan TMA per jam']); // 1: a title
    ws.addRow(['Kode Pos', 'Waktu', 'TMA (cm)', null, 'Catatan']); // 2: the header, with a gap
    // exceljs writes Dates as Excel serials, i.e. wall-clock: 10:00 here is 10:00 WIB in the sheet.
    ws.addRow(['PS-01', new Date(Date.UTC(2026, 2, 1, 10, 0)), 152.5]); // 3
    ws.addRow(['PS-02', new Date(Date.UTC(2026, 2, 1, 10, 0)), { formula: '49*2', result: 98 }]); // 4
    ws.addRow([{ richText: [{ text: 'PS-' }, { text: '03', font: { bold: true } }] }, new Date(Date.UTC(2026, 2, 1, 10, 5)), 61.25]); // 5
    ws.addRow(['PS-01', new Date(Date.UTC(2026, 2, 1, 10, 5)), { error: '#DIV/0!' }]); // 6
    ws.addRow([]); // 7: empty
    ws.addRow([
      { text: 'PS-02', hyperlink: 'https://bpbd.semarangkota.go.id/pos/2' },
      new Date(Date.UTC(2026, 2, 1, 10, 10)),
      97,
      null,
      'sensor diganti',
    ]); // 8
    await wb.xlsx.writeFile(join(drop, 'tma.xlsx'));
    const past = new Date(Date.now() - 60_000);
    await utimes(join(drop, 'tma.xlsx'), past, past);

    const mapping = mappingSchema.parse({
      produces: 'points',
      fields: { metric: { const: 'water_level' }, entity: { from: 'Kode Pos', codes: 'pos' }, time: { from: 'Waktu' }, value: { from: 'TMA (cm)' } },
      codes: { pos: STATIONS },
    });
    const { ctx, accepted, quarantined } = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping });
    const source = await folderSource({ sheet: 'TMA', headerRow: 2, doneDir: 'done' });
    await source.poll(ctx);
    expect(accepted.map((r) => ('point' in r ? [r.point.entity, r.point.time, r.point.value] : null))).toEqual([
      [STATIONS['PS-01'], wib('2026-03-01T10:00:00'), 152.5],
      [STATIONS['PS-02'], wib('2026-03-01T10:00:00'), 98],
      [STATIONS['PS-03'], wib('2026-03-01T10:05:00'), 61.25],
      [STATIONS['PS-02'], wib('2026-03-01T10:10:00'), 97],
    ]);
    expect(quarantined.map((q) => [q.origin, q.reason])).toEqual([['tma.xlsx:6', `'TMA (cm)' is "#DIV/0!", not a finite number`]]);
    expect(await readdir(drop)).toEqual([]);
    expect(await readdir(join(root, 'done'))).toEqual(['tma.xlsx']);
  });

  it('skips a file until it has settled, also when its mtime lies in the future', async () => {
    const csv = 'Kode Pos;Kelurahan;Waktu;TMA (cm)\nPS-01;Tawangmas;01/03/2026 10:00;152,5\n';
    await writeFile(join(drop, 'copying.csv'), csv); // just written
    const { ctx, accepted } = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping });
    const source = await folderSource(); // settleMs 2000 by default
    await source.poll(ctx);
    expect(accepted).toHaveLength(0);
    const past = new Date(Date.now() - 10_000);
    await utimes(join(drop, 'copying.csv'), past, past);
    await source.poll(ctx);
    expect(accepted).toHaveLength(1);

    // A file from a machine whose clock runs ahead: settled once unchanged for settleMs by our own watch.
    await rm(join(drop, 'copying.csv'));
    const skewed = await folderSource({ settleMs: 300 });
    const other = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping });
    await writeFile(join(drop, 'skewed.csv'), csv.replace('152,5', '150'));
    const ahead = new Date(Date.now() + 3_600_000);
    await utimes(join(drop, 'skewed.csv'), ahead, ahead);
    await skewed.poll(other.ctx);
    expect(other.accepted).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 350));
    await skewed.poll(other.ctx);
    expect(other.accepted.map((r) => ('point' in r ? r.point.value : null))).toEqual([150]);
  });

  it('quarantines a file that cannot be read at all once, as a whole, and does not retry it', async () => {
    await drop_('rusak.xlsx', Buffer.from('this is not a zip archive at all'));
    await drop_('export.csv', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64, 1)]));
    await drop_('kosong.csv', '');
    await drop_('lama.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
    const { ctx, accepted, quarantined } = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping });
    const source = await folderSource({ pattern: ['*.csv', '*.xlsx', '*.xls'], doneDir: 'done' });
    await source.poll(ctx);
    await source.poll(ctx);
    expect(accepted).toHaveLength(0);
    const byOrigin = Object.fromEntries(quarantined.map((q) => [q.origin, q.reason]));
    expect(Object.keys(byOrigin).sort()).toEqual(['export.csv', 'kosong.csv', 'lama.xls', 'rusak.xlsx']);
    expect(quarantined).toHaveLength(4);
    expect(byOrigin['rusak.xlsx']).toMatch(/^cannot read the workbook/);
    expect(byOrigin['export.csv']).toMatch(/ZIP archive/);
    expect(byOrigin['kosong.csv']).toMatch(/empty/);
    expect(byOrigin['lama.xls']).toMatch(/legacy \.xls/);
    expect((await readdir(join(root, 'done'))).sort()).toEqual(['export.csv', 'kosong.csv', 'lama.xls', 'rusak.xlsx']);
  });

  it('survives hostile files: every round completes, every refusal has a reason', async () => {
    // Fixed-seed garbage built from the pieces that break CSV readers.
    let seed = 0x5eed;
    const rand = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) >>> 8) % n;
    const pieces = [
      '"',
      '""',
      ';',
      ',',
      '\n',
      '\r\n',
      '\r',
      'PS-01',
      'Tawangmas',
      '01/03/2026 10:00',
      '12,5',
      'NaN',
      '\u00A0',
      '\uFEFF',
      ' ',
      '\t',
      '\\',
      '\nPS-02;Kuningan;01/03/2026 10:00;98\n',
    ];
    for (let f = 0; f < 60; f++) {
      const parts: Buffer[] = [Buffer.from('Kode Pos;Kelurahan;Waktu;TMA (cm)\n')];
      for (let i = 0, n = rand(400); i < n; i++) {
        const r = rand(21);
        parts.push(
          r < pieces.length ? Buffer.from(pieces[r]!) : r === 18 ? Buffer.from([rand(256), rand(256)]) : Buffer.from('x'.repeat(rand(3_000))),
        );
      }
      await drop_(`fuzz-${f}.${f % 10 === 0 ? 'xlsx' : 'csv'}`, Buffer.concat(parts));
    }
    const { ctx, accepted, quarantined } = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping });
    const source = await folderSource({ delimiter: ';' });
    await source.poll(ctx);
    await source.poll(ctx);
    expect(accepted.length).toBeGreaterThan(0);
    expect(quarantined.filter((q) => /:\d+$/.test(q.origin)).length).toBeGreaterThan(0); // row-level refusals
    for (const q of quarantined) expect(q.reason.length).toBeGreaterThan(0);
  });

  it('ingests a large file in chunks and logs its progress', async () => {
    const rows = 100_000;
    const codes = ['PS-01', 'PS-02', 'PS-03'];
    const start = wib('2026-01-01T00:00:00');
    const parts = ['Kode Pos;Kelurahan;Waktu;TMA (cm)'];
    for (let i = 0; i < rows; i++) parts.push(`${codes[i % 3]};Tawangmas;${dmy(start + i * 60_000)};${100 + (i % 97)},${i % 10}`);
    await drop_('backfill-2026.csv', `${parts.join('\n')}\n`);

    const { ctx, accepted, quarantined } = await collectingContext({ source: 'bpbd-tma', opd: 'BPBD', mapping: bpbdMapping });
    const chunks: number[] = [];
    const logs: { msg: string; obj: Record<string, unknown> }[] = [];
    const log = { info: (obj: object, msg: string) => void logs.push({ msg, obj: obj as Record<string, unknown> }), warn: () => {}, error: () => {} };
    const counting: SourceContext = { ...ctx, log, ingest: (records) => (chunks.push(records.length), ctx.ingest(records)) };
    const config = csvFolderConfigSchema.parse({ dir: drop, chunkRows: 5_000 });
    const source = createCsvFolderSource({ ...config, name: 'bpbd-tma' }, { baseDir: root }, { progressIntervalMs: 0, progressBar: false });
    await source.poll(counting);

    expect(quarantined).toHaveLength(0);
    expect(accepted).toHaveLength(rows);
    expect(chunks).toEqual(Array.from({ length: rows / 5_000 }, () => 5_000));
    const last = accepted.at(-1)!;
    expect('point' in last && last.point.time).toBe(start + (rows - 1) * 60_000);
    expect(logs.filter((l) => l.msg === 'csv-folder: progress').length).toBeGreaterThanOrEqual(10);
    expect(logs.find((l) => l.msg === 'csv-folder: ingesting a large file')?.obj.rows).toBe(rows);
    expect(logs.find((l) => l.msg === 'csv-folder: file ingested')?.obj).toMatchObject({
      file: 'backfill-2026.csv',
      rows,
      accepted: rows,
      quarantined: 0,
    });
  });
});
