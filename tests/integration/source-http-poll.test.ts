/**
 * The http-poll source against a real local HTTP server shaped like Dishub's ATCS API: mapping with code
 * lists, quarantine of what the mapping cannot place, the persisted cursor, env secrets, and failures.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mappingSchema } from '../../ingest/mapping';
import type { NormalisedRecord, SourceContext } from '../../ingest/source';
import { httpPollDefinition } from '../../ingest/sources/http-poll';
import { collectingContext } from '../support/source-context';

interface Reply {
  status?: number;
  body: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

let server: Server;
let baseUrl = '';
let reply: (req: IncomingMessage, url: URL) => Reply = () => ({ body: '[]' });
const seen: { url: URL; headers: IncomingMessage['headers'] }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', baseUrl);
    seen.push({ url, headers: req.headers });
    const r = reply(req, url);
    const send = () => {
      res.writeHead(r.status ?? 200, { 'content-type': 'application/json', ...r.headers });
      res.end(r.body);
    };
    if (r.delayMs) setTimeout(send, r.delayMs).unref();
    else send();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

afterEach(() => {
  seen.length = 0;
  reply = () => ({ body: '[]' });
  vi.unstubAllEnvs();
});

/** 22/11/2026 08:00 WIB: after the readings below, so none is "in the future". */
const NOW = Date.parse('2026-11-22T08:00:00+07:00');

const mapping = mappingSchema.parse({
  version: 'atcs-3',
  produces: 'points',
  fields: {
    metric: { const: 'traffic_speed' },
    entity: { from: 'kode_ruas', codes: 'ruas' },
    region: { from: 'kelurahan', codes: 'kelurahan' },
    time: { from: 'waktu', format: 'dmy_hm' },
    value: { from: 'kecepatan' },
  },
  codes: {
    ruas: { 'R-017': 'seg-pemuda-1', 'R-018': 'seg-pandanaran-2' },
    kelurahan: { Pekunden: '33.74.01.1013', Sekayu: '33.74.01.1007' },
  },
});

const atcs = (readings: unknown[]) => JSON.stringify({ status: 'OK', data: { readings } });

async function setup(own: Record<string, unknown>, stateDir?: string) {
  const config = httpPollDefinition.configSchema.parse({ url: `${baseUrl}/api/atcs`, itemsPath: 'data.readings', ...own });
  const source = await httpPollDefinition.create({ ...config, name: 'dishub-atcs' }, { baseDir: process.cwd() });
  if (source.mode !== 'poll') throw new Error('http-poll must be a poll source');
  const c = await collectingContext({ source: 'dishub-atcs', opd: 'DISHUB', mapping, stateDir, now: () => NOW });
  return { source, ...c };
}

describe('http-poll source', () => {
  it('maps agency readings through code lists and quarantines what it cannot place, with the reason', async () => {
    reply = () => ({
      body: atcs([
        { kode_ruas: 'R-017', waktu: '22/11/2026 07:30', kecepatan: '23,5', kelurahan: 'Pekunden' },
        { kode_ruas: 'R-018', waktu: '22/11/2026 07:30', kecepatan: 41, kelurahan: 'Sekayu' },
        { kode_ruas: 'R-999', waktu: '22/11/2026 07:30', kecepatan: '30', kelurahan: 'Pekunden' },
        { kode_ruas: 'R-017', waktu: '22/11/2026 07:31', kecepatan: 'macet', kelurahan: 'Pekunden' },
        { kode_ruas: 'R-017', waktu: '22/11/2026 07:32', kecepatan: '20', kelurahan: 'Kampung Baru' },
        'not a record',
      ]),
    });
    const { source, ctx, accepted, quarantined } = await setup({});
    expect(source.intervalMs).toBe(30_000);
    await source.poll(ctx);

    expect(accepted).toEqual<NormalisedRecord[]>([
      {
        opd: 'DISHUB',
        point: {
          metric: 'traffic_speed',
          entity: 'seg-pemuda-1',
          region: '33.74.01.1013',
          time: Date.parse('2026-11-22T07:30:00+07:00'),
          value: 23.5,
        },
      },
      {
        opd: 'DISHUB',
        point: {
          metric: 'traffic_speed',
          entity: 'seg-pandanaran-2',
          region: '33.74.01.1007',
          time: Date.parse('2026-11-22T07:30:00+07:00'),
          value: 41,
        },
      },
    ]);
    expect(quarantined.map((q) => [q.origin, q.reason])).toEqual([
      [`${baseUrl}/api/atcs#2`, "unmapped ruas code 'R-999' in 'kode_ruas'"],
      [`${baseUrl}/api/atcs#3`, '\'kecepatan\' is "macet", not a finite number'],
      [`${baseUrl}/api/atcs#4`, "unmapped kelurahan code 'Kampung Baru' in 'kelurahan'"],
      [`${baseUrl}/api/atcs#5`, 'record is string, not an object'],
    ]);
    expect(quarantined.every((q) => q.opd === 'DISHUB' && q.mappingVersion === 'atcs-3')).toBe(true);

    // The same answer again: readings are idempotent, and refused ones are not quarantined a second time.
    await source.poll(ctx);
    expect(accepted).toHaveLength(2);
    expect(quarantined).toHaveLength(4);
  });

  it('sends the cursor on the next poll, persists it atomically and continues from it after a restart', async () => {
    const pages: Record<string, unknown[]> = {
      none: [
        { kode_ruas: 'R-017', waktu: '22/11/2026 07:00', kecepatan: '30', kelurahan: 'Pekunden', updated_at: '2026-11-22T07:00:05+07:00' },
        { kode_ruas: 'R-018', waktu: '22/11/2026 07:05', kecepatan: '31', kelurahan: 'Sekayu', updated_at: '2026-11-22T07:05:05+07:00' },
        { kode_ruas: 'R-999', waktu: '22/11/2026 07:06', kecepatan: '31', kelurahan: 'Sekayu', updated_at: '2026-11-22T07:06:05+07:00' },
      ],
      '2026-11-22T07:06:05+07:00': [
        { kode_ruas: 'R-017', waktu: '22/11/2026 07:10', kecepatan: '28', kelurahan: 'Pekunden', updated_at: '2026-11-22T07:10:05+07:00' },
      ],
      '2026-11-22T07:10:05+07:00': [],
    };
    reply = (_req, url) => ({ body: atcs(pages[url.searchParams.get('since') ?? 'none'] ?? []) });
    const cursor = { param: 'since', from: 'updated_at' };
    const first = await setup({ cursor });
    await first.source.poll(first.ctx);
    await first.source.poll(first.ctx);
    expect(seen.map((s) => s.url.searchParams.get('since'))).toEqual([null, '2026-11-22T07:06:05+07:00']);
    expect(first.accepted.map((r) => ('point' in r ? r.point.value : null))).toEqual([30, 31, 28]);
    // a quarantined record still moves the cursor: it is recorded, retrying it would not help
    expect(first.quarantined).toHaveLength(1);

    const files = await readdir(first.stateDir);
    expect(files).toEqual(['http-poll-cursor.json']);
    expect(JSON.parse(await readFile(join(first.stateDir, files[0]!), 'utf8'))).toMatchObject({ value: '2026-11-22T07:10:05+07:00' });

    const restarted = await setup({ cursor }, first.stateDir);
    await restarted.source.poll(restarted.ctx);
    expect(seen.at(-1)!.url.searchParams.get('since')).toBe('2026-11-22T07:10:05+07:00');

    // A different cursor field is a different position: it starts over from `initial`.
    const changed = await setup({ cursor: { param: 'since', from: 'id', initial: '0' } }, first.stateDir);
    await changed.source.poll(changed.ctx);
    expect(seen.at(-1)!.url.searchParams.get('since')).toBe('0');
  });

  it('keeps the cursor when the records could not be spooled', async () => {
    reply = (_req, url) => ({
      body: atcs(
        url.searchParams.get('since') === '7'
          ? []
          : [{ kode_ruas: 'R-017', waktu: '22/11/2026 07:00', kecepatan: '30', kelurahan: 'Pekunden', seq: 7 }],
      ),
    });
    const { source, ctx, stateDir } = await setup({ cursor: { param: 'since', from: 'seq', initial: '5' } });
    const failing: SourceContext = { ...ctx, ingest: () => Promise.reject(new Error('spool disk full')) };
    await expect(source.poll(failing)).rejects.toThrow('spool disk full');
    await source.poll(failing).catch(() => {});
    expect(seen.map((s) => s.url.searchParams.get('since'))).toEqual(['5', '5']);
    expect(await readdir(stateDir)).toEqual([]);
    await source.poll(ctx);
    await source.poll(ctx);
    expect(seen.at(-1)!.url.searchParams.get('since')).toBe('7');
  });

  it('fails the round without accepting anything on a 500, invalid JSON, a non-array, a timeout or a huge body', async () => {
    const { source, ctx, accepted, quarantined } = await setup({ timeoutMs: 300, maxResponseBytes: 4_096 });
    const reading = { kode_ruas: 'R-017', waktu: '22/11/2026 07:30', kecepatan: '23', kelurahan: 'Pekunden' };

    reply = () => ({ status: 500, body: '<html><body>Internal Server Error</body></html>', headers: { 'content-type': 'text/html' } });
    await expect(source.poll(ctx)).rejects.toThrow(/answered 500 Internal Server Error: <html><body>Internal Server Error/);

    reply = () => ({ body: `${atcs([reading]).slice(0, -3)},,` });
    await expect(source.poll(ctx)).rejects.toThrow(/invalid JSON/);

    reply = () => ({ body: JSON.stringify({ data: { readings: { R017: reading } } }) });
    await expect(source.poll(ctx)).rejects.toThrow("itemsPath 'data.readings' is an object, not an array of records");

    reply = () => ({ body: atcs([reading]), delayMs: 2_000 });
    await expect(source.poll(ctx)).rejects.toThrow(/timed out after 300 ms/);

    const big = atcs(Array.from({ length: 100 }, () => reading));
    reply = () => ({ body: big, headers: { 'content-length': String(Buffer.byteLength(big)) } });
    await expect(source.poll(ctx)).rejects.toThrow(/larger than 4096 bytes/);
    // without Content-Length (chunked), the cap is enforced while reading
    reply = () => ({ body: big, headers: { 'transfer-encoding': 'chunked' } });
    await expect(source.poll(ctx)).rejects.toThrow(/larger than 4096 bytes/);

    reply = () => ({ body: atcs([reading]) });
    await source.poll(ctx);
    expect(accepted).toHaveLength(1);
    expect(quarantined).toHaveLength(0);
  });

  it('sends headers and query parameters, reading env: secrets at start and masking them in origins', async () => {
    vi.stubEnv('DISHUB_ATCS_TOKEN', 'Bearer s3cret-token');
    vi.stubEnv('DISHUB_ATCS_KEY', 'k3y');
    reply = () => ({ body: atcs([{ kode_ruas: 'R-000' }]) });
    const { source, ctx, quarantined } = await setup({
      headers: { Authorization: 'env:DISHUB_ATCS_TOKEN', 'X-Client': 'sinergi' },
      query: { key: 'env:DISHUB_ATCS_KEY', kota: 'semarang' },
    });
    await source.poll(ctx);
    expect(seen[0]!.headers.authorization).toBe('Bearer s3cret-token');
    expect(seen[0]!.headers['x-client']).toBe('sinergi');
    expect(seen[0]!.url.searchParams.get('key')).toBe('k3y');
    expect(quarantined[0]!.origin).toBe(`${baseUrl}/api/atcs?key=***&kota=semarang#0`);

    vi.stubEnv('DISHUB_ATCS_TOKEN', undefined);
    await expect(setup({ headers: { Authorization: 'env:DISHUB_ATCS_TOKEN' } })).rejects.toThrow(
      'source dishub-atcs: headers.Authorization: environment variable DISHUB_ATCS_TOKEN is not set',
    );
  });

  it('has a strict config with defaults', () => {
    const schema = httpPollDefinition.configSchema;
    expect(schema.parse({ url: 'https://atcs.example.go.id/api' })).toEqual({
      url: 'https://atcs.example.go.id/api',
      intervalMs: 30_000,
      timeoutMs: 15_000,
      headers: {},
      query: {},
      itemsPath: '',
      maxResponseBytes: 50 * 1024 * 1024,
      maxItems: 200_000,
    });
    expect(schema.safeParse({ url: 'ftp://atcs.example.go.id/' }).success).toBe(false);
    expect(schema.safeParse({ url: 'https://atcs.example.go.id/', intervalMs: 500 }).success).toBe(false);
    expect(schema.safeParse({ url: 'https://atcs.example.go.id/', itemPath: 'data' }).success).toBe(false);
    expect(schema.safeParse({ url: 'https://atcs.example.go.id/', cursor: { param: 'since' } }).success).toBe(false);
    expect(httpPollDefinition.needsMapping).toBe(true);
  });
});
