/**
 * The Excel (.xlsx) reader of the drop folder: one sheet, the header at a configured row, cells turned into
 * plain strings and numbers (dates as wall-clock time at the configured offset).
 */
import { createHash } from 'node:crypto';
import type ExcelJS from 'exceljs';
import { FileRejected, MAX_RECORD_CHARS, headerNames, type OpenedFile, type ReaderOptions, type Row } from './file';

export interface WorkbookOptions extends ReaderOptions {
  /** The sheet to read; the first when not given. */
  sheet?: string;
  /** The offset Excel's wall-clock dates are in, e.g. `+07:00`. */
  utcOffset: string;
}

/** Excel keeps dates as wall-clock time; exceljs hands them out as if UTC. Attach the configured offset. */
function wallClockIso(d: Date, utcOffset: string): string | undefined {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) return undefined;
  // Serial dates carry float noise (10:19:59.9996): round to the second.
  return `${new Date(Math.round(ms / 1000) * 1000).toISOString().slice(0, 19)}${utcOffset}`;
}

/** A cell as a plain string or number: rich text joined, formulas as their cached result, errors as their code. */
export function cellToValue(v: ExcelJS.CellValue | undefined, utcOffset: string): string | number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return wallClockIso(v, utcOffset);
  if (typeof v !== 'object') return undefined;
  if ('richText' in v && Array.isArray(v.richText)) return v.richText.map((t) => (typeof t?.text === 'string' ? t.text : '')).join('');
  if ('error' in v) return String(v.error);
  if ('formula' in v || 'sharedFormula' in v) {
    const result = (v as { result?: unknown }).result;
    return result === undefined || (typeof result === 'object' && result !== null && !(result instanceof Date) && !('error' in result))
      ? undefined
      : cellToValue(result as ExcelJS.CellValue, utcOffset);
  }
  if ('text' in v) {
    const text = (v as { text: unknown }).text;
    return typeof text === 'string'
      ? text
      : typeof text === 'object' && text !== null && 'richText' in text
        ? cellToValue(text as ExcelJS.CellValue, utcOffset)
        : undefined;
  }
  return undefined;
}

export async function openWorkbook(bytes: Buffer, config: WorkbookOptions): Promise<OpenedFile> {
  const digest = createHash('sha256').update(bytes).digest('hex');
  // Loaded on first use: exceljs is large and many folders only ever see CSV.
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as Parameters<typeof wb.xlsx.load>[0]);
  } catch (e) {
    throw new FileRejected(`cannot read the workbook: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
  }
  const ws = config.sheet ? wb.getWorksheet(config.sheet) : wb.worksheets[0];
  if (!ws) {
    const names = wb.worksheets.map((w) => w.name).join(', ');
    throw new FileRejected(config.sheet ? `workbook has no sheet '${config.sheet}'; it has: ${names}` : 'workbook has no sheets');
  }
  const values = (r: ExcelJS.Row, width: number) => {
    // row.values is 1-based and sparse
    const raw = Array.isArray(r.values) ? (r.values as ExcelJS.CellValue[]) : [];
    const out: (string | number | undefined)[] = [];
    for (let c = 1; c <= width; c++) out.push(cellToValue(raw[c], config.utcOffset));
    return out;
  };
  const headRow = ws.findRow(config.headerRow);
  if (!headRow || headRow.cellCount === 0) throw new FileRejected(`sheet '${ws.name}' has no header row at row ${config.headerRow}`);
  const headers = headerNames(values(headRow, headRow.cellCount).map((v) => (v === undefined ? '' : String(v))));
  const last = ws.rowCount;

  async function* rows(): AsyncGenerator<Row> {
    for (let n = config.headerRow + 1; n <= last; n++) {
      const r = ws!.findRow(n);
      if (!r || !r.hasValues) continue;
      // Cells right of the header have no column name; in a grid (unlike CSV) they cannot shift the others.
      const cells = values(r, headers.length);
      if (cells.every((c) => c === undefined || c === '')) continue;
      const chars = cells.reduce<number>((s, c) => s + (typeof c === 'string' ? c.length : 0), 0);
      if (chars > MAX_RECORD_CHARS) {
        yield {
          kind: 'bad',
          row: n,
          reason: `row is ${chars} characters long; at most ${MAX_RECORD_CHARS}`,
          raw: cells.map((c) => String(c ?? '').slice(0, 200)),
        };
        continue;
      }
      const data: Record<string, string | number> = {};
      headers.forEach((h, i) => {
        const c = cells[i];
        if (c !== undefined) Object.defineProperty(data, h, { value: c, enumerable: true, writable: true, configurable: true });
      });
      yield { kind: 'row', row: n, data };
    }
  }

  return { total: Math.max(0, last - config.headerRow), rows: rows(), digest: () => digest };
}
