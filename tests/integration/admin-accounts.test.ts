/**
 * Issue 17, the admin page's users and ingest keys over REST: only an admin may change them, every change is in
 * the audit log with the admin as actor, a disabled user or a changed role ends the user's live socket at once
 * (before the answer, not at the next 5 s sweep), and a key issued here writes for its OPD until it is revoked.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readAudit } from '../../db/queries/audit';
import type { Ack } from '../../shared/ack';
import type { Snapshot } from '../../shared/contract';
import { connected, startTestServer, waitFor, type ClientSocket, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ask = <T>(s: ClientSocket, event: string, arg: unknown) =>
  (s.timeout(5_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<T>> }).emitWithAck(event, arg);

let server: TestServer;
let admin: string;
beforeAll(async () => {
  server = await startTestServer(adminUrl);
  await server.user('kepala-admin', 'kata-sandi-admin-99', 'admin');
  admin = (await server.login('kepala-admin', 'kata-sandi-admin-99')).body.token;
});
afterAll(async () => server?.close());

async function call(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(server.url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A user made through the admin REST, signed in, with a live socket subscribed to a metric. */
async function liveUser(username: string, role: 'agency' | 'operator', opd?: string) {
  const made = await call('POST', '/api/v1/admin/users', admin, { username, password: `sandi-${username}-1`, role, opd });
  expect(made.status).toBe(201);
  const { body } = await server.login(username, `sandi-${username}-1`);
  const s = server.socket('/live', body.token);
  const told: { session: { reason: string }[]; disconnect: string[] } = { session: [], disconnect: [] };
  s.on('session:ended', (m) => told.session.push(m));
  s.on('disconnect', (r) => told.disconnect.push(r));
  await connected(s);
  expect((await ask<Snapshot>(s, 'series:subscribe', { metrics: ['truck_load'] })).ok).toBe(true);
  return { s, told, token: body.token as string };
}

describe('users from the admin page', () => {
  it('is for admins only', async () => {
    const operator = await server.token('operator');
    const agency = await server.token('agency', 'DLH');
    expect((await call('GET', '/api/v1/admin/users', null)).status).toBe(401);
    expect((await call('GET', '/api/v1/admin/users', operator)).status).toBe(403);
    expect((await call('POST', '/api/v1/admin/users', agency, { username: 'x1', password: 'sandi-sangat-panjang', role: 'operator' })).status).toBe(
      403,
    );
    expect((await call('GET', '/api/v1/admin/keys', agency)).status).toBe(403);
  });

  it('refuses bad input naming the field, and changes nothing', async () => {
    const before = (await call('GET', '/api/v1/admin/users', admin)).body.users.length;
    const noOpd = await call('POST', '/api/v1/admin/users', admin, { username: 'dinkes-a', password: 'sandi-panjang-sekali', role: 'agency' });
    expect(noOpd.status).toBe(400);
    expect(noOpd.body.details.map((d: { path: string }) => d.path)).toContain('opd');
    const unknownOpd = await call('POST', '/api/v1/admin/users', admin, {
      username: 'dinkes-a',
      password: 'sandi-panjang-sekali',
      role: 'agency',
      opd: 'DINKES',
    });
    expect(unknownOpd).toMatchObject({ status: 400, body: { details: [{ path: 'opd' }] } });
    const weak = await call('POST', '/api/v1/admin/users', admin, { username: 'dinkes-a', password: 'pendek', role: 'operator' });
    expect(weak).toMatchObject({ status: 400, body: { details: [{ path: 'password' }] } });
    expect((await call('GET', '/api/v1/admin/users', admin)).body.users.length).toBe(before);
  });

  it('ends a disabled user’s live socket before answering, audited with the admin as actor', async () => {
    const { told } = await liveUser('op-dimatikan', 'operator');
    const r = await call('PUT', '/api/v1/admin/users/op-dimatikan/status', admin, { disabled: true });
    expect(r).toMatchObject({ status: 200, body: { user: { username: 'op-dimatikan', status: 'disabled' }, sessionsEnded: 1 } });
    // the recheck ran before the answer: the message is on its way, well inside one 5 s sweep
    await waitFor('the socket to close', () => told.disconnect.length > 0, 1_500);
    expect(told.session).toEqual([{ reason: 'disabled', message: expect.any(String) }]);
    const audit = await readAudit(server.storage.pool, { action: 'user.disabled' });
    expect(audit.at(-1)).toMatchObject({ actor: 'user:kepala-admin', target: 'user:op-dimatikan' });
    // enabling brings the account back (a new login works)
    expect((await call('PUT', '/api/v1/admin/users/op-dimatikan/status', admin, { disabled: false })).body.user.status).toBe('active');
    expect((await server.login('op-dimatikan', 'sandi-op-dimatikan-1')).status).toBe(200);
  });

  it('ends the live socket of a user whose role changes', async () => {
    const { told } = await liveUser('staf-dlh', 'agency', 'DLH');
    const r = await call('PUT', '/api/v1/admin/users/staf-dlh/role', admin, { role: 'agency', opd: 'BPBD' });
    expect(r).toMatchObject({ status: 200, body: { user: { role: 'agency', opd: 'BPBD' }, sessionsEnded: 1 } });
    await waitFor('the socket to close', () => told.disconnect.length > 0, 1_500);
    expect(told.session[0]!.reason).toBe('role_changed');
  });

  it('resets a password: the old one stops working, sessions end', async () => {
    const { told } = await liveUser('staf-lupa', 'agency', 'DLH');
    const r = await call('PUT', '/api/v1/admin/users/staf-lupa/password', admin, { password: 'sandi-baru-staf-2' });
    expect(r).toMatchObject({ status: 200, body: { sessionsEnded: 1 } });
    await waitFor('the socket to close', () => told.disconnect.length > 0, 1_500);
    expect((await server.login('staf-lupa', 'sandi-staf-lupa-1')).status).toBe(401);
    expect((await server.login('staf-lupa', 'sandi-baru-staf-2')).status).toBe(200);
  });

  it('does not let an admin disable their own account', async () => {
    const r = await call('PUT', '/api/v1/admin/users/kepala-admin/status', admin, { disabled: true });
    expect(r.status).toBe(409);
    expect((await call('GET', '/api/v1/admin/users', admin)).status).toBe(200);
  });
});

describe('ingest keys from the admin page', () => {
  it('issues a key shown once, lists it without the secret, and revokes it', async () => {
    const made = await call('POST', '/api/v1/admin/keys', admin, { opd: 'DLH', label: 'sensor TPS' });
    expect(made.status).toBe(201);
    const secret: string = made.body.secret;
    expect(made.body.key).toMatchObject({ opd: 'DLH', label: 'sensor TPS', state: 'active', scopes: ['points', 'events'] });
    expect(secret.startsWith(made.body.key.prefix)).toBe(true);

    const listed = await call('GET', '/api/v1/admin/keys?opd=DLH', admin);
    expect(listed.body.keys.map((k: { id: number }) => k.id)).toContain(made.body.key.id);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(listed.body.keys.every((k: { opd: string }) => k.opd === 'DLH')).toBe(true);

    const point = { points: [{ metric: 'truck_load', entity: 'TRUK-ADMIN', time: Date.now() - 1_000, value: 3 }] };
    expect((await server.post('/api/v1/ingest', point, secret)).status).toBe(202);
    const revoked = await call('DELETE', `/api/v1/admin/keys/${made.body.key.id}`, admin);
    expect(revoked).toMatchObject({ status: 200, body: { id: made.body.key.id, state: 'revoked' } });
    expect((await server.post('/api/v1/ingest', point, secret)).status).toBe(401);
    expect((await call('DELETE', `/api/v1/admin/keys/${made.body.key.id}`, admin)).status).toBe(404);

    const audit = await readAudit(server.storage.pool, {});
    const mine = audit.filter((a) => a.target === `key:${made.body.key.id}@DLH`).map((a) => [a.action, a.actor]);
    expect(mine).toEqual([
      ['key.created', 'user:kepala-admin'],
      ['key.revoked', 'user:kepala-admin'],
    ]);
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('refuses a key for an OPD that does not exist', async () => {
    const r = await call('POST', '/api/v1/admin/keys', admin, { opd: 'DINKES' });
    expect(r).toMatchObject({ status: 400, body: { details: [{ path: 'opd' }] } });
  });
});
