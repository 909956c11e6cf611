/**
 * Issue 18: every live fact through one channel model. Feed health and alerts carry sequence numbers and
 * snapshots like points and events; each channel refuses whom its rule refuses; a subscription of any channel
 * that its rule no longer allows ends with a reason; a role change ends the session with `role_changed`.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { AlertsSnapshot, FeedsReported, FeedsSnapshot } from '../../shared/contract';
import { changeRole } from '../../server/auth/accounts';
import { connected, startTestServer, waitFor, type ClientSocket, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ask = <T>(s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(5_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<T>> }).emitWithAck(event, arg);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(adminUrl);
});
afterAll(async () => server?.close());

const report = (source: string, now: number) => ({
  sources: [
    {
      source,
      type: 'simulator',
      opd: 'BPBD',
      expectedIntervalMs: 10_000,
      reportIntervalMs: 15_000,
      lastSuccess: now,
      lastError: null,
      lastErrorAt: null,
      recordsPerSecond: 1,
      quarantined: 0,
      spoolDepth: 0,
    },
  ],
});

describe('channels', () => {
  it('feed health: a snapshot with its seq, then reports in sequence, for the command center only', async () => {
    const op = server.socket('/live', await server.token('operator'));
    await connected(op);
    const got: FeedsReported[] = [];
    op.on('feeds:reported', (m) => got.push(m));
    const snap = await ask<FeedsSnapshot>(op, 'feeds:subscribe', {});
    if (!snap.ok) throw new Error(snap.error.message);
    expect(snap.data).toMatchObject({ seq: expect.any(Number), epoch: expect.any(String), feeds: expect.any(Array) });
    const key = await server.key('BPBD');
    expect((await server.post('/api/v1/sources/health', report('ch-sim', Date.now()), key)).status).toBe(202);
    const msg = await waitFor('the report', () => got.find((m) => m.feeds.some((f) => f.source === 'ch-sim')));
    expect(msg.seq).toBe(snap.data.seq + 1);

    const agency = server.socket('/live', await server.token('agency', 'BPBD'));
    await connected(agency);
    expect(await ask(agency, 'feeds:subscribe', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const anon = server.socket('/public');
    await connected(anon);
    expect(await ask(anon, 'alerts:subscribe', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ask(anon, 'feeds:subscribe', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ask(op, 'feeds:subscribe', { since: { epoch: 'x'.repeat(65), seqs: {} } })).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });

  it('alerts: each principal gets its own scope', async () => {
    const op = server.socket('/live', await server.token('operator'));
    const agency = server.socket('/live', await server.token('agency', 'DLH'));
    await Promise.all([connected(op), connected(agency)]);
    const a = await ask<AlertsSnapshot>(op, 'alerts:subscribe', {});
    const b = await ask<AlertsSnapshot>(agency, 'alerts:subscribe', {});
    expect(a.ok && a.data.scope).toBe('all');
    expect(b.ok && b.data.scope).toBe('DLH');
  });

  it('a role change ends the session of a socket in the alerts and feed rooms, with role_changed', async () => {
    await server.user('ch-op', 'kata-sandi-ch-op-1', 'operator');
    const { body } = await server.login('ch-op', 'kata-sandi-ch-op-1');
    const s = server.socket('/live', body.token);
    const told: { reason: string }[] = [];
    s.on('session:ended', (m) => told.push(m));
    await connected(s);
    expect((await ask<FeedsSnapshot>(s, 'feeds:subscribe', {})).ok).toBe(true);
    await changeRole(server.storage.pool, 'ch-op', { role: 'agency', opd: 'DLH' }, { actor: 'cli:test', source: 'cli' });
    await server.app.recheckLive();
    await waitFor('the session to end', () => told.length > 0 || null);
    expect(told[0]).toMatchObject({ reason: 'role_changed' });
  });
});
