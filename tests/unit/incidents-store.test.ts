/** The client's incident store (client/features/incidents/store.ts), rules named as in the file. */
import { describe, expect, it } from 'vitest';
import type { IncidentsChanged, WireIncident } from '../../shared/incidents';
import { IncidentsStore, MAX_STEPS, MAX_WATCH } from '../../client/features/incidents/store';
import { SharedIncidentsSync } from '../../client/features/incidents/sync';
import type { SinergiSocket } from '../../client/lib/socket';
import { FakeSocket, tick } from '../support/fake-socket';

const inc = (id: number, version: number, over: Partial<WireIncident> = {}): WireIncident => ({
  id,
  sourceType: 'manual',
  sourceRef: null,
  title: `I${id}`,
  region: null,
  lon: null,
  lat: null,
  severity: 'siaga',
  handlingOpd: 'BPBD',
  supportingOpds: [],
  class: 'terbatas',
  status: 'baru',
  targetAt: 1_000,
  reporter: null,
  reporterShared: false,
  createdAt: 0,
  updatedAt: 0,
  acceptedAt: null,
  closedAt: null,
  mergedInto: null,
  escalationLevel: 1,
  version,
  ...over,
});
const delta = (seq: number, over: Partial<IncidentsChanged> = {}): IncidentsChanged => ({
  room: 'incidents:BPBD',
  seq,
  incidents: [],
  removed: [],
  watch: [],
  escalations: [],
  ...over,
});
const loaded = () => {
  const s = new IncidentsStore();
  s.reset({ incidents: [inc(1, 2)], watch: [], room: 'incidents:BPBD', seq: 5, serverTime: 0 });
  return s;
};

describe('IncidentsStore', () => {
  it('[I1] ignores deltas already in the snapshot', () => {
    const s = loaded();
    expect(s.apply(delta(5, { incidents: [inc(1, 9)] }), 0)).toBe('stale');
    expect(s.incidents.get(1)!.version).toBe(2);
  });
  it('[I2] a gap applies nothing and asks for a resync', () => {
    const s = loaded();
    expect(s.apply(delta(7, { incidents: [inc(2, 1)] }), 0)).toBe('gap');
    expect(s.incidents.has(2)).toBe(false);
    expect(s.seq).toBe(5);
  });
  it('[I3] a late copy never rolls an incident back; applying twice changes nothing', () => {
    const s = loaded();
    s.upsert(inc(1, 4, { status: 'diterima' }));
    expect(s.apply(delta(6, { incidents: [inc(1, 3)] }), 0)).toBe('applied');
    expect(s.incidents.get(1)!.status).toBe('diterima');
    const before = [...s.incidents.values()];
    expect(s.apply(delta(6, { incidents: [inc(1, 3)] }), 0)).toBe('stale');
    expect([...s.incidents.values()]).toEqual(before);
  });
  it('[I4] removed drops the incident; steps are bounded; old closed ones go', () => {
    const s = loaded();
    expect(s.apply(delta(6, { removed: [1] }), 0)).toBe('applied');
    expect(s.incidents.size).toBe(0);
    const steps = Array.from({ length: MAX_STEPS + 10 }, (_, i) => ({
      subject: `alert:${i}`,
      opd: 'BPBD',
      level: 2,
      kind: 'escalated' as const,
      at: i,
    }));
    s.apply(delta(7, { escalations: steps, incidents: [inc(3, 1, { closedAt: 0 })] }), 2 * 86_400_000);
    expect(s.steps).toHaveLength(MAX_STEPS);
    expect(s.steps[0]!.at).toBe(MAX_STEPS + 9);
    expect(s.incidents.has(3)).toBe(false);
  });
  it('[I4] holds at most MAX_WATCH watch alerts, dropping cleared ones first', () => {
    const s = loaded();
    const w = (id: number, clearedAt: number | null) => ({
      id,
      kind: 'complaint_overdue' as const,
      subject: `complaint/${id}`,
      opd: 'BPBD',
      severity: 'waspada' as const,
      openedAt: id,
      clearedAt,
      acknowledgedAt: null,
      acknowledgedBy: null,
      detail: {},
    });
    s.apply(delta(6, { watch: [w(0, 1), ...Array.from({ length: MAX_WATCH }, (_, i) => w(i + 1, null))] }), 2);
    expect(s.watch.size).toBe(MAX_WATCH);
    expect(s.watch.has(0)).toBe(false);
  });
  it('lists open incidents most severe first, then by target', () => {
    const s = new IncidentsStore();
    s.reset({
      incidents: [inc(1, 1, { targetAt: 5 }), inc(2, 1, { severity: 'awas', targetAt: 9 }), inc(3, 1, { targetAt: 1 }), inc(4, 1, { closedAt: 1 })],
      watch: [],
      room: null,
      seq: 0,
      serverTime: 0,
    });
    expect(s.open().map((i) => i.id)).toEqual([2, 3, 1]);
  });
});

describe('shared incidents (SharedIncidentsSync, a purpose room)', () => {
  const ROOM = 'incidents:BPBD/flood-response';
  const snapshotAck = (seq: number, incidents: WireIncident[] = []) => ({
    ok: true,
    data: { serverTime: 0, room: ROOM, seq, incidents, watch: [], epoch: 'E1', resumed: [] },
  });
  const setup = () => {
    const sock = new FakeSocket();
    const sync = new SharedIncidentsSync(sock as unknown as SinergiSocket, 'BPBD', 'flood-response');
    return { sock, sync };
  };

  it('[SH1] subscribes with the purpose on connect, applies the snapshot, then only its own room in sequence', async () => {
    const { sock, sync } = setup();
    sock.connect();
    expect(sock.requests.map((r) => [r.event, r.arg])).toEqual([['incidents:subscribe', { purpose: 'flood-response' }]]);
    sock.answer(0, snapshotAck(4, [inc(1, 1, { handlingOpd: 'DLH' })]));
    await tick();
    expect(sync.store.open().map((i) => i.id)).toEqual([1]);
    sock.push('incidents:changed', delta(5, { room: 'incidents:BPBD', incidents: [inc(9, 1)] })); // its own OPD room: not this list
    sock.push('incidents:changed', delta(5, { room: ROOM, incidents: [inc(2, 1, { handlingOpd: 'DLH' })] }));
    expect(
      sync.store
        .open()
        .map((i) => i.id)
        .sort(),
    ).toEqual([1, 2]);
    // a gap asks again
    sock.push('incidents:changed', delta(9, { room: ROOM }));
    expect(sock.requests).toHaveLength(2);
    sync.close();
  });

  it('[SH2] ended by the server (agreement revoked): emptied, hidden, and not asked again after a reconnect', async () => {
    const { sock, sync } = setup();
    sock.connect();
    sock.answer(0, snapshotAck(1, [inc(1, 1)]));
    await tick();
    sock.push('subscription:ended', { channel: 'incidents', key: 'BPBD/sanitation', code: 'forbidden', message: 'x' }); // another purpose
    expect(sync.refused).toBeNull();
    sock.push('subscription:ended', { channel: 'incidents', key: 'BPBD/flood-response', code: 'forbidden', message: 'agreement ended' });
    expect(sync.refused).toBe('agreement ended');
    expect(sync.store.open()).toEqual([]);
    sock.push('incidents:changed', delta(2, { room: ROOM, incidents: [inc(3, 1)] }));
    expect(sync.store.open()).toEqual([]);
    sock.disconnect();
    sock.connect();
    expect(sock.requests).toHaveLength(1);
    sync.close();
  });

  it('[SH3] refused at subscribe (no agreement for the purpose): hidden, not retried', async () => {
    const { sock, sync } = setup();
    sock.connect();
    sock.answer(0, { ok: false, error: { code: 'forbidden', message: 'no agreement in force' } });
    await tick();
    expect(sync.refused).toBe('no agreement in force');
    sock.disconnect();
    sock.connect();
    expect(sock.requests).toHaveLength(1);
    sync.close();
  });
});
