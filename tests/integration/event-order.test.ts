/**
 * Event order against the real server and database (issue 14.4): a resent or late status never undoes a newer
 * one, a late change never overwrites a newer category, and the event row always equals the newest change of
 * the history the audit shows.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
let server: TestServer;
let key: string;
const LIFECYCLE = ['received', 'verified', 'dispatched', 'resolved', 'rejected'];

beforeAll(async () => {
  server = await startTestServer(adminUrl);
  key = await server.key('DISKOMINFO');
});
afterAll(() => server?.close());

const base = Date.now() - 3_600_000;
const ev = (id: string, status: string, dt: number, category?: string) => ({
  kind: 'complaint',
  id,
  status,
  time: base + dt,
  ...(category ? { category } : {}),
});
const send = async (...events: ReturnType<typeof ev>[]) => expect((await server.post('/api/v1/events', { events }, key)).status).toBe(202);

async function state(id: string) {
  const { rows } = await server.storage.pool.query(
    `SELECT status, (extract(epoch FROM time) * 1000)::float8 AS t, closed_at IS NOT NULL AS closed, category FROM event WHERE kind = 'complaint' AND id = $1`,
    [id],
  );
  return rows[0];
}

/** The newest change of the history by (time, lifecycle rank): what the event row must say. */
async function newestOfHistory(id: string) {
  const { rows } = await server.storage.pool.query(
    `SELECT status, (extract(epoch FROM time) * 1000)::float8 AS t FROM event_status WHERE kind = 'complaint' AND id = $1`,
    [id],
  );
  return rows.sort((a, b) => b.t - a.t || LIFECYCLE.indexOf(b.status) - LIFECYCLE.indexOf(a.status))[0];
}

async function lastAudited(id: string) {
  const { rows } = await server.storage.pool.query(
    `SELECT detail FROM audit_log WHERE target = $1 AND action = 'complaint.status_changed' ORDER BY seq`,
    [`complaint:${id}`],
  );
  return rows.map((r) => r.detail.status as string);
}

describe('event order', () => {
  it('does not reopen a rejected complaint when an older status is resent with the same timestamp', async () => {
    await send(ev('ORD-1', 'received', 0));
    await send(ev('ORD-1', 'verified', 60_000), ev('ORD-1', 'rejected', 60_000));
    await send(ev('ORD-1', 'verified', 60_000)); // resend
    await send(ev('ORD-1', 'verified', 60_000), ev('ORD-1', 'received', 0)); // and again, with an older one
    expect(await state('ORD-1')).toMatchObject({ status: 'rejected', closed: true });
    expect((await newestOfHistory('ORD-1')).status).toBe('rejected');
    expect(await lastAudited('ORD-1')).toContain('rejected');
  });

  it('keeps the state when the same two changes arrive in the other order in separate batches', async () => {
    await send(ev('ORD-2', 'rejected', 60_000));
    await send(ev('ORD-2', 'verified', 60_000));
    expect(await state('ORD-2')).toMatchObject({ status: 'rejected', closed: true });
  });

  it('does not let a late, older change overwrite a newer category', async () => {
    await send(ev('ORD-3', 'received', 0, 'banjir'));
    await send(ev('ORD-3', 'verified', 120_000, 'drainase'));
    await send(ev('ORD-3', 'received', 0, 'banjir')); // late resend of the first
    await send(ev('ORD-3', 'dispatched', 60_000, 'sampah')); // late change, older than the newest
    expect(await state('ORD-3')).toMatchObject({ status: 'verified', category: 'drainase', closed: false });
    expect((await newestOfHistory('ORD-3')).status).toBe('verified');
  });

  it('answers a resend with nothing written and nothing streamed', async () => {
    const batch = { events: [ev('ORD-4', 'received', 0), ev('ORD-4', 'resolved', 30_000)] };
    expect((await server.post('/api/v1/events', batch, key)).body).toEqual({ accepted: 2, written: 1 });
    expect((await server.post('/api/v1/events', batch, key)).body).toEqual({ accepted: 2, written: 0 });
  });

  it('ends with the same state whatever the order concurrent batches commit in', async () => {
    const changes = LIFECYCLE.slice(0, 4).map((s, i) => ev('ORD-5', s, i * 10_000));
    await Promise.all(changes.map((c) => send(c)));
    expect(await state('ORD-5')).toMatchObject({ status: 'resolved', t: base + 30_000, closed: true });
  });
});
