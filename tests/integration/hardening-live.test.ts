/**
 * Issue 13 (4), a long-lived /live socket while its permissions change: the agreement it reads through is
 * revoked or runs out, the user is disabled, the session expires, the role or the password changes. REST says
 * 403/401 at once; the socket must follow within a sweep, leaving the room or closing with a reason.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { PointsAppended, Snapshot } from '../../shared/contract';
import { grantAgreement, revokeAgreement } from '../../db/queries/sharing';
import { changePassword, changeRole, disableUser } from '../../server/auth/accounts';
import { connected, startTestServer, waitFor, type ClientSocket, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const CLI = { actor: 'cli:test', source: 'cli' };
const ask = <T>(s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(5_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<T>> }).emitWithAck(event, arg);

let server: TestServer;
let dlh: string;
beforeAll(async () => {
  server = await startTestServer(adminUrl);
  dlh = await server.key('DLH');
});
afterAll(async () => server?.close());

/** A signed-in user's live socket, and what it was told. */
async function liveAs(username: string, role: 'operator' | 'agency', opd?: string) {
  await server.user(username, `kata-sandi-${username}-1`, role, opd);
  const { body } = await server.login(username, `kata-sandi-${username}-1`);
  const s = server.socket('/live', body.token);
  const told: { session: { reason: string }[]; ended: { metric?: string; code: string }[]; points: PointsAppended[]; disconnect: string[] } = {
    session: [],
    ended: [],
    points: [],
    disconnect: [],
  };
  s.on('session:ended', (m) => told.session.push(m));
  s.on('subscription:ended', (m) => told.ended.push(m));
  s.on('points:appended', (m) => told.points.push(m));
  s.on('disconnect', (r) => told.disconnect.push(r));
  await connected(s);
  return { s, told, token: body.token as string };
}

describe('a live socket while permissions change', () => {
  it('leaves a room when its sharing agreement is revoked, and hears nothing more of it', async () => {
    const id = await grantAgreement(server.storage.pool, {
      ownerOpd: 'DLH',
      granteeOpd: 'BPBD',
      itemType: 'metric',
      itemCode: 'truck_load',
      purpose: 'flood-response',
      validUntil: Date.now() + 86_400_000,
      reference: 'PKS/1',
    });
    await server.app.catalog.reload();
    const { s, told } = await liveAs('bpbd-staff', 'agency', 'BPBD');
    expect((await ask<Snapshot>(s, 'series:subscribe', { metrics: ['truck_load'], purpose: 'flood-response' })).ok).toBe(true);
    await server.post('/api/v1/ingest', { points: [{ metric: 'truck_load', entity: 'H-1', time: Date.now() - 1_000, value: 2 }] }, dlh);
    await waitFor('the shared reading', () => told.points.length > 0);

    await revokeAgreement(server.storage.pool, id);
    await server.app.catalog.reload();
    await server.app.recheckLive();
    await waitFor('the subscription to end', () => told.ended.length > 0);
    expect(told.ended[0]).toMatchObject({ metric: 'truck_load', code: 'forbidden' });
    const before = told.points.length;
    await server.post('/api/v1/ingest', { points: [{ metric: 'truck_load', entity: 'H-1', time: Date.now(), value: 3 }] }, dlh);
    await new Promise((r) => setTimeout(r, 500));
    expect(told.points.length).toBe(before);
    expect(s.connected).toBe(true); // the rest of the socket goes on
  });

  it.each([
    ['the user is disabled', 'disabled', (u: string) => disableUser(server.storage.pool, u, CLI)],
    ['the role changes', 'role_changed', (u: string) => changeRole(server.storage.pool, u, { role: 'agency', opd: 'DLH' }, CLI)],
    ['the password changes', 'revoked', (u: string) => changePassword(server.storage.pool, u, 'sandi-baru-yang-panjang-1', CLI)],
    [
      'the session expires',
      'expired',
      (u: string) =>
        server.storage.pool.query(
          `UPDATE access_token SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE username = $1)`,
          [u],
        ),
    ],
  ])('closes the socket with the reason when %s', async (_what, reason, change) => {
    const username = `op-${reason}-${Math.random().toString(36).slice(2, 7)}`;
    const { s, told } = await liveAs(username, 'operator');
    expect((await ask<Snapshot>(s, 'series:subscribe', { metrics: ['truck_load'] })).ok).toBe(true);
    await change(username);
    await server.app.recheckLive();
    await waitFor('the socket to close', () => told.disconnect.length > 0);
    expect(told.session).toEqual([{ reason, message: expect.any(String) }]);
    expect(told.disconnect).toEqual(['io server disconnect']);
  });

  it('re-checks on its own, every few seconds', async () => {
    const { told } = await liveAs('op-timer', 'operator');
    await disableUser(server.storage.pool, 'op-timer', CLI);
    await waitFor('the periodic re-check', () => told.session.length > 0, 12_000);
    expect(told.session[0]!.reason).toBe('disabled');
  }, 20_000);
});
