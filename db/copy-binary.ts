/**
 * PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"),
 * for the two shapes the store moves in bulk: readings in (series id, time, value, position) and roll-up rows
 * out (series id and five doubles). Writing the bytes ourselves is what makes the bulk path fast: no text
 * formatting or parsing of timestamps and floats on either side (docs/benchmarks.md, bench:store).
 */
import type pg from 'pg';

/** PostgreSQL's epoch (2000-01-01 UTC) in Unix ms: binary timestamps count microseconds from it. */
export const PG_EPOCH_MS = 946_684_800_000;
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags, header-extension length. */
const HEADER_BYTES = 11 + 4 + 4;

/** One reading as COPY writes it: time in Unix ms, position (WGS84 degrees) or null. */
export interface CopyPoint {
  seriesId: number;
  t: number;
  v: number;
  lon: number | null;
  lat: number | null;
}

/** The points as one binary COPY stream of (series_id int4, time timestamptz, value float8, lon float4, lat float4). */
export function encodePointsCopy(points: readonly CopyPoint[]): Buffer {
  let size = HEADER_BYTES + 2;
  for (const p of points) size += 2 + 8 + 12 + 12 + (p.lon === null ? 4 : 8) + (p.lat === null ? 4 : 8);
  const b = Buffer.allocUnsafe(size);
  SIGNATURE.copy(b, 0);
  let o = 11;
  o = b.writeInt32BE(0, o); // flags
  o = b.writeInt32BE(0, o); // header extension
  for (const p of points) {
    o = b.writeInt16BE(5, o);
    o = b.writeInt32BE(4, o);
    o = b.writeInt32BE(p.seriesId, o);
    // microseconds since 2000-01-01 as int64, written as two 32-bit halves (exact below 2^53)
    const us = (p.t - PG_EPOCH_MS) * 1000;
    const hi = Math.floor(us / 4_294_967_296);
    o = b.writeInt32BE(8, o);
    o = b.writeInt32BE(hi, o);
    o = b.writeUInt32BE(us - hi * 4_294_967_296, o);
    o = b.writeInt32BE(8, o);
    o = b.writeDoubleBE(p.v, o);
    for (const x of [p.lon, p.lat]) {
      if (x === null) o = b.writeInt32BE(-1, o);
      else {
        o = b.writeInt32BE(4, o);
        o = b.writeFloatBE(x, o);
      }
    }
  }
  b.writeInt16BE(-1, o);
  return b;
}

/** A row of `(int4, float8 × doubles)`; a NULL double is NaN. */
export type IdDoublesRow = [id: number, ...doubles: number[]];

/**
 * Decodes a binary COPY stream whose rows are one int4 followed by `doubles` float8 columns (NULL as NaN), the
 * shape of the roll-up reads. Throws on a stream of another shape rather than misreading it.
 */
export function decodeIdDoublesCopy(b: Buffer, doubles: number): IdDoublesRow[] {
  if (b.length < HEADER_BYTES + 2 || !b.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
  let o = 11 + 4;
  o += 4 + b.readInt32BE(o); // header extension
  const rows: IdDoublesRow[] = [];
  for (;;) {
    const fields = b.readInt16BE(o);
    o += 2;
    if (fields === -1) break;
    if (fields !== doubles + 1) throw new Error(`binary COPY row has ${fields} fields; expected ${doubles + 1}`);
    const row = new Array<number>(fields) as IdDoublesRow;
    if (b.readInt32BE(o) !== 4) throw new Error('binary COPY row does not start with an int4');
    row[0] = b.readInt32BE(o + 4);
    o += 8;
    for (let k = 1; k < fields; k++) {
      const len = b.readInt32BE(o);
      o += 4;
      if (len !== -1 && len !== 8) throw new Error(`binary COPY field ${k} is ${len} bytes; expected a float8`);
      row[k] = len === -1 ? NaN : b.readDoubleBE(o);
      if (len > 0) o += len;
    }
    rows.push(row);
  }
  return rows;
}

/** Whether the server takes COPY over the wire (the WASM PGlite build used in tests does not); cached per client. */
const copyCapable = new WeakMap<object, boolean>();
export async function canCopy(client: pg.PoolClient): Promise<boolean> {
  let ok = copyCapable.get(client);
  if (ok === undefined) {
    const { rows } = await client.query<{ wasm: boolean }>(`SELECT version() ~ 'Emscripten|emcc' AS wasm`);
    ok = !rows[0]!.wasm;
    copyCapable.set(client, ok);
  }
  return ok;
}
