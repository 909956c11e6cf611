/**
 * The binary COPY codec (db/copy-binary.ts) against real PostgreSQL servers: readings written with
 * encodePointsCopy come back, through PostgreSQL's own binary COPY out, exactly as decodeIdDoublesCopy reads
 * them — edge times, NULL positions, extreme doubles — and streams of another shape are refused.
 */
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeIdDoublesCopy, encodePointsCopy, PG_EPOCH_MS, type CopyPoint } from '../../db/copy-binary';

const points: CopyPoint[] = [
  { seriesId: 1, t: PG_EPOCH_MS, v: 0, lon: null, lat: null }, // PostgreSQL's own epoch: zero microseconds
  { seriesId: 2, t: PG_EPOCH_MS - 86_400_000 * 365, v: -1.5, lon: 110.42, lat: -6.98 }, // before it: a negative count
  { seriesId: 2_147_483_647, t: Date.parse('2026-12-06T06:10:00.123Z'), v: 1e300, lon: 110.5, lat: null },
  { seriesId: 3, t: Date.parse('2099-01-01T00:00:00Z'), v: Number.MIN_VALUE, lon: null, lat: -7.25 },
];

describe.each(Object.entries(inject('backends')))('binary COPY codec on %s', (_name, url) => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TEMP TABLE codec (series_id integer, time timestamptz, value double precision, lon real, lat real)');
  });
  afterAll(async () => {
    await client?.end();
  });

  it('writes readings PostgreSQL stores exactly and reads its roll-up shaped rows back', async () => {
    await pipeline(Readable.from([encodePointsCopy(points)]), client.query(copyFrom('COPY codec FROM STDIN (FORMAT binary)')));
    const text = await client.query<{ series_id: number; ms: string; value: number; lon: number | null; lat: number | null }>(
      `SELECT series_id, (extract(epoch FROM time) * 1000)::bigint::text AS ms, value, lon, lat FROM codec ORDER BY series_id`,
    );
    const sorted = [...points].sort((a, b) => a.seriesId - b.seriesId);
    expect(text.rows.map((r) => [r.series_id, Number(r.ms), r.value])).toEqual(sorted.map((p) => [p.seriesId, p.t, p.v]));
    // real is float4: compare at its precision
    text.rows.forEach((r, i) => {
      expect(r.lon === null ? null : Math.fround(r.lon)).toBe(sorted[i]!.lon === null ? null : Math.fround(sorted[i]!.lon!));
      expect(r.lat === null ? null : Math.fround(r.lat)).toBe(sorted[i]!.lat === null ? null : Math.fround(sorted[i]!.lat!));
    });

    const chunks: Buffer[] = [];
    const out = `SELECT series_id, extract(epoch FROM time)::float8 * 1000, value, lon::float8, NULL::float8, lat::float8 FROM codec ORDER BY series_id`;
    for await (const c of client.query(copyTo(`COPY (${out}) TO STDOUT (FORMAT binary)`))) chunks.push(c as Buffer);
    const rows = decodeIdDoublesCopy(Buffer.concat(chunks), 5);
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual(sorted.map((p) => [p.seriesId, p.t, p.v]));
    expect(rows.map((r) => Number.isNaN(r[4]))).toEqual(sorted.map(() => true)); // NULL reads as NaN
    expect(rows.map((r) => (Number.isNaN(r[3]) ? null : Math.fround(r[3]!)))).toEqual(
      sorted.map((p) => (p.lon === null ? null : Math.fround(p.lon))),
    );

    const twoCols: Buffer[] = [];
    for await (const c of client.query(copyTo(`COPY (SELECT series_id, value FROM codec) TO STDOUT (FORMAT binary)`))) twoCols.push(c as Buffer);
    expect(() => decodeIdDoublesCopy(Buffer.concat(twoCols), 5)).toThrow(/2 fields; expected 6/);
    const textCols: Buffer[] = [];
    for await (const c of client.query(copyTo(`COPY (SELECT series_id, 'x'::text FROM codec) TO STDOUT (FORMAT binary)`))) textCols.push(c as Buffer);
    expect(() => decodeIdDoublesCopy(Buffer.concat(textCols), 1)).toThrow(/expected a float8/);
    expect(() => decodeIdDoublesCopy(Buffer.from('series_id,value\n'), 1)).toThrow(/not a binary COPY stream/);
  });
});
