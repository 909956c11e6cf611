/**
 * GET /metrics (server/metrics/): guarded (loopback without a forwarding proxy, or the metrics token), and every
 * family the issue names moves when the thing it measures happens — ingest per OPD and its refusals, stream lag,
 * sockets per namespace, snapshot sizes, the DB pool, alert transitions and open alerts, event-loop delay.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mayScrape } from '../../server/metrics/routes';
import { connected, startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const TOKEN = 'metrics-token-for-the-test-0123456789';
const ROOT = join(import.meta.dirname, '../..');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(adminUrl, { metricsToken: TOKEN, streamTickMs: 50 });
});
afterAll(async () => server?.close());

const scrape = async (headers: Record<string, string> = {}) => {
  const res = await fetch(`${server.url}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

/** The value of one sample line, e.g. `sinergi_sockets{namespace="/live"}`; 0 when absent. */
const sample = (text: string, name: string, labels: Record<string, string> = {}) => {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (want.every((l) => line.includes(l))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
};

describe('GET /metrics', () => {
  it('answers this machine and the token holder; a forwarded request without the token is refused', async () => {
    const local = await scrape();
    expect(local.status).toBe(200);
    expect(local.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await scrape({ 'x-forwarded-for': '203.0.113.9' })).status).toBe(403);
    expect((await scrape({ forwarded: 'for=203.0.113.9' })).status).toBe(403);
    expect((await scrape({ 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await scrape({ 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer wrong-token-wrong-token-wrong' })).status).toBe(403);
  });

  it('counts what happens: ingest per OPD and refusals, lag, sockets, snapshots, pool, alerts, event loop', async () => {
    const bpbd = await server.key('BPBD');
    const t = Date.now() - 5_000;
    const points = Array.from({ length: 12 }, (_, i) => ({ metric: 'water_level', entity: `PA-M${i}`, time: t, value: i === 0 ? 215 : 100 }));
    expect((await server.post('/api/v1/ingest', { points }, bpbd)).status).toBe(202);
    expect((await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'x', time: 'never', value: 1 }] }, bpbd)).status).toBe(
      400,
    );
    expect((await server.post('/api/v1/ingest', { points: [{ metric: 'truck_load', entity: 'x', time: t, value: 1 }] }, bpbd)).status).toBe(403);

    const live = server.socket('/live', await server.token('operator'));
    await connected(live);
    const ack = await live.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['water_level'], historyMinutes: 10 });
    expect(ack.ok).toBe(true);
    // a reading published while subscribed: its message's lag is observed
    await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PA-M1', time: t + 1_000, value: 101 }] }, bpbd);

    const text = await waitFor('the lag of the live message', async () => {
      const s = (await scrape()).text;
      return sample(s, 'sinergi_stream_lag_seconds_count', { channel: 'points' }) > 0 ? s : null;
    });
    expect(sample(text, 'sinergi_ingest_accepted_total', { opd: 'BPBD', kind: 'points' })).toBe(13);
    expect(sample(text, 'sinergi_ingest_rejected_batches_total', { opd: 'BPBD', kind: 'points', reason: 'invalid' })).toBe(1);
    expect(sample(text, 'sinergi_ingest_rejected_batches_total', { opd: 'BPBD', kind: 'points', reason: 'forbidden' })).toBe(1);
    expect(sample(text, 'sinergi_ingest_rejected_records_total', { opd: 'BPBD', kind: 'points', reason: 'forbidden' })).toBe(1);
    expect(sample(text, 'sinergi_sockets', { namespace: '/live' })).toBe(1);
    expect(sample(text, 'sinergi_sockets', { namespace: '/public' })).toBe(0);
    expect(sample(text, 'sinergi_snapshot_items_count', { kind: 'series' })).toBe(1);
    expect(sample(text, 'sinergi_snapshot_items_sum', { kind: 'series' })).toBeGreaterThanOrEqual(12); // 12 series, latest reading each
    expect(sample(text, 'sinergi_db_pool_clients', { state: 'total' })).toBeGreaterThan(0);
    expect(sample(text, 'sinergi_db_pool_acquire_seconds_count')).toBeGreaterThan(0);
    expect(sample(text, 'sinergi_alert_transitions_total', { transition: 'opened', level: 'siaga' })).toBe(1);
    expect(sample(text, 'sinergi_alerts_open', { level: 'siaga' })).toBe(1);
    expect(sample(text, 'sinergi_http_responses_total', { method: 'POST', status: '400' })).toBe(1);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).toMatch(/^sinergi_rollup_refresh_seconds_count 0$/m); // this test server runs no refresher
  });
});

describe('the shipped Grafana dashboard (deploy/grafana/sinergi.json)', () => {
  it('queries only metrics the server (or the ingest worker) exposes', async () => {
    const dashboard = JSON.parse(await readFile(join(ROOT, 'deploy/grafana/sinergi.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const names = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\b(sinergi|nodejs)_[a-z0-9_]+/g) ?? [])));
    expect(names.size).toBeGreaterThan(10);
    const served = (await scrape()).text;
    // the worker's metrics, and the server's TimescaleDB-only ones, are read from their definitions
    const defined = (await readFile(join(ROOT, 'ingest/worker.ts'), 'utf8')) + (await readFile(join(ROOT, 'server/metrics/metrics.ts'), 'utf8'));
    for (const name of names) {
      const family = name.replace(/_(bucket|count|sum)$/, '');
      const known = served.includes(`# TYPE ${family} `) || defined.includes(`name: '${family}'`);
      expect(known, `${name} in the dashboard`).toBe(true);
    }
  });
});

describe('mayScrape', () => {
  const req = (remoteAddress: string | undefined, headers: Record<string, string> = {}) => ({ headers, socket: { remoteAddress } });
  it.each([
    ['IPv4 loopback', req('127.0.0.1'), undefined, true],
    ['another 127/8 address', req('127.0.0.53'), undefined, true],
    ['IPv6 loopback', req('::1'), undefined, true],
    ['IPv4-mapped loopback', req('::ffff:127.0.0.1'), undefined, true],
    ['a LAN peer', req('192.0.2.10'), undefined, false],
    ['a mapped LAN peer', req('::ffff:192.0.2.10'), undefined, false],
    ['loopback, but forwarded by a proxy', req('127.0.0.1', { 'x-forwarded-for': '198.51.100.7' }), undefined, false],
    ['a LAN peer with the token', req('192.0.2.10', { authorization: `Bearer ${TOKEN}` }), TOKEN, true],
    ['a LAN peer with a wrong token', req('192.0.2.10', { authorization: 'Bearer nope' }), TOKEN, false],
    ['a token when none is configured', req('192.0.2.10', { authorization: `Bearer ${TOKEN}` }), undefined, false],
    ['no peer address', req(undefined), undefined, false],
  ])('%s', (_case, r, token, want) => expect(mayScrape(r, token)).toBe(want));
});
