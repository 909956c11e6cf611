/** Alerts end to end: a reading at Siaga raises an alert on the wall's socket within 2 s; acknowledgement is audited. */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WireAlert } from '../../shared/alerts';
import type { Ack } from '../../shared/ack';
import type { AlertsChanged, AlertsSnapshot } from '../../shared/contract';
import { readAudit } from '../../db/queries/audit';
import { connected, startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;

let server: TestServer;
let bpbdKey: string;
beforeAll(async () => {
  server = await startTestServer(adminUrl, { streamTickMs: 250 });
  bpbdKey = await server.key('BPBD');
});
afterAll(async () => server?.close());

describe('alerts', () => {
  it('raise within 2 s of the reading, reach the command center and the owner only, and clear', async () => {
    const operator = server.socket('/live', await server.token('operator'));
    const bpbd = server.socket('/live', await server.token('agency', 'BPBD'));
    const dlh = server.socket('/live', await server.token('agency', 'DLH'));
    await Promise.all([connected(operator), connected(bpbd), connected(dlh)]);
    const seen = { operator: [] as WireAlert[], bpbd: [] as WireAlert[], dlh: [] as WireAlert[] };
    operator.on('alerts:changed', (m) => seen.operator.push(...m.alerts));
    bpbd.on('alerts:changed', (m) => seen.bpbd.push(...m.alerts));
    dlh.on('alerts:changed', (m) => seen.dlh.push(...m.alerts));

    const t = Date.now();
    const sent = performance.now();
    expect(
      (await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PA-ALERT', time: t, value: 212 }] }, bpbdKey)).status,
    ).toBe(202);
    const raised = await waitFor('the alert on the operator socket', () => seen.operator.find((a) => a.entity === 'PA-ALERT'), 2_000);
    expect(performance.now() - sent).toBeLessThan(2_000);
    expect(raised).toMatchObject({ metric: 'water_level', level: 'siaga', lastValue: 212, openedAt: t, clearedAt: null, acknowledgedAt: null });
    await waitFor('the alert on the owner agency socket', () => seen.bpbd.some((a) => a.id === raised.id));

    // escalation, then a reading below Waspada clears it
    await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PA-ALERT', time: t + 10_000, value: 260 }] }, bpbdKey);
    await waitFor('escalation to awas', () => seen.operator.some((a) => a.id === raised.id && a.level === 'awas'));
    await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PA-ALERT', time: t + 20_000, value: 120 }] }, bpbdKey);
    const cleared = await waitFor('clearing', () => seen.operator.find((a) => a.id === raised.id && a.clearedAt !== null));
    expect(cleared.clearedAt).toBe(t + 20_000);
    expect(seen.dlh).toEqual([]); // another OPD hears nothing of BPBD's alerts
    const listed = (await operator.timeout(5_000).emitWithAck('alerts:list', {})) as Ack<{ alerts: WireAlert[] }>;
    expect(listed.ok && listed.data.alerts.map((a) => a.id)).toContain(raised.id);
  });

  it('are acknowledged with a note, by the command center or the owner, once, and audited', async () => {
    const t = Date.now();
    await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PA-ACK', time: t, value: 240 }] }, bpbdKey);
    const operatorToken = await server.token('operator');
    const alert = await waitFor('the open alert', async () =>
      ((await server.get('/api/v1/alerts', operatorToken)).body.alerts as WireAlert[]).find((a) => a.entity === 'PA-ACK'),
    );

    const dlhToken = await server.token('agency', 'DLH');
    const post = (token: string, body: unknown) =>
      fetch(`${server.url}/api/v1/alerts/${alert.id}/acknowledge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    // water_level is publik, so DLH may see the alert, but only its owner or the command center acknowledges it
    const foreign = await post(dlhToken, { note: 'not mine' });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error).toBe('only operators and BPBD acknowledge alerts of water_level');
    const bpbdToken = await server.token('agency', 'BPBD');
    expect((await post(bpbdToken, { note: '   ' })).status).toBe(400);
    const ok = await post(bpbdToken, { note: 'Tim reaksi cepat menuju lokasi' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      id: alert.id,
      acknowledgedBy: expect.stringMatching(/^token:\d+$/),
      note: 'Tim reaksi cepat menuju lokasi',
    });
    expect((await post(operatorToken, { note: 'again' })).status).toBe(409);

    const audit = await readAudit(server.storage.pool, { action: 'alert.acknowledged' });
    expect(audit).toEqual([
      expect.objectContaining({
        target: `alert:${alert.id}`,
        detail: expect.objectContaining({ note: 'Tim reaksi cepat menuju lokasi', entity: 'PA-ACK' }),
      }),
    ]);
  });

  it('raised while a wall is briefly disconnected, arrives through catch-up with the next sequence number', async () => {
    const wall = server.socket('/live', await server.token('operator'));
    await connected(wall);
    const first = (await wall.timeout(5_000).emitWithAck('alerts:subscribe', {})) as Ack<AlertsSnapshot>;
    if (!first.ok) throw new Error(first.error.message);
    expect(first.data).toMatchObject({ scope: 'all', epoch: expect.any(String), resumed: [] });
    const { seq, epoch } = first.data;

    wall.disconnect();
    const t = Date.now();
    await server.post('/api/v1/ingest', { points: [{ metric: 'water_level', entity: 'PA-AWAY', time: t, value: 230 }] }, bpbdKey);
    const operatorToken = await server.token('operator');
    await waitFor('the alert stored', async () =>
      ((await server.get('/api/v1/alerts', operatorToken)).body.alerts as WireAlert[]).find((a) => a.entity === 'PA-AWAY'),
    );
    await new Promise((r) => setTimeout(r, 600)); // past the tick (250 ms): the message was numbered and sent to no one

    const caught: AlertsChanged[] = [];
    wall.on('alerts:changed', (m) => caught.push(m));
    wall.connect();
    await connected(wall);
    const resumed = (await wall
      .timeout(5_000)
      .emitWithAck('alerts:subscribe', { since: { epoch: epoch!, seqs: { all: seq } } })) as Ack<AlertsSnapshot>;
    if (!resumed.ok) throw new Error(resumed.error.message);
    expect(resumed.data.resumed).toEqual(['all']);
    const msg = await waitFor('the missed alert through catch-up', () => caught.find((m) => m.alerts.some((a) => a.entity === 'PA-AWAY')));
    // catch-up starts at the next sequence number and leaves no gap up to the missed alert (other alert changes of
    // the room, e.g. the watcher's, may be numbered in between: they come too, in order)
    const upTo = caught.slice(0, caught.indexOf(msg) + 1).map((m) => m.seq);
    expect(upTo).toEqual(Array.from({ length: msg.seq - seq }, (_, i) => seq + 1 + i));
    expect(msg.scope).toBe('all');
    expect(msg.alerts.find((a) => a.entity === 'PA-AWAY')).toMatchObject({ level: 'siaga', lastValue: 230, clearedAt: null });
    // a resume from a seq the hub no longer holds, or of another epoch, gets a snapshot instead
    const other = (await wall
      .timeout(5_000)
      .emitWithAck('alerts:subscribe', { since: { epoch: 'another', seqs: { all: seq } } })) as Ack<AlertsSnapshot>;
    expect(other.ok && other.data.resumed).toEqual([]);
    expect(other.ok && other.data.alerts.some((a) => a.entity === 'PA-AWAY')).toBe(true);
  });

  it('shutdown waits for the evaluations already queued: every crossing is written before the pool may close', async () => {
    const other = await startTestServer(adminUrl, { streamTickMs: 250 });
    try {
      const key = await other.key('BPBD');
      const t = Date.now();
      const points = Array.from({ length: 300 }, (_, i) => ({ metric: 'water_level', entity: `PA-SHUT-${i}`, time: t, value: 212 }));
      expect((await other.post('/api/v1/ingest', { points }, key)).status).toBe(202);
      // the answer came once the readings were stored; their 300 alerts are still being written
      await other.app.close();
      const { rows } = await other.storage.pool.query(`SELECT count(*)::int AS n FROM alert WHERE entity LIKE 'PA-SHUT-%'`);
      expect(rows[0].n).toBe(300);
    } finally {
      await other.close();
    }
  });
});
