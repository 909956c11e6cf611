/**
 * The client's notices store (client/features/notices/store.ts) against the sync engine's rules:
 * [N1] a snapshot replaces what is held and replays deltas queued meanwhile;
 * [N2] deltas apply in sequence, a gap asks for a resubscription;
 * [N3] the higher version wins, in either order; a withdrawn or ended notice leaves;
 * [N4] the store is bounded.
 */
import { describe, expect, it } from 'vitest';
import type { WireNotice } from '../../shared/notices';
import { applyNotices, NoticesStore } from '../../client/features/notices/store';

const NOW = 1_000_000;
const n = (id: number, over: Partial<WireNotice> = {}): WireNotice => ({
  id,
  kind: 'road_closure',
  severity: 'moderate',
  headline: `Notice ${id}`,
  description: 'd',
  instruction: null,
  regions: [],
  geometry: { type: 'Point', coordinates: [110.4, -6.9] },
  opd: 'DISHUB',
  validFrom: NOW - 1000,
  validUntil: NOW + 1000 * id,
  createdAt: NOW - 2000,
  updatedAt: NOW - 2000,
  withdrawnAt: null,
  version: 1,
  ...over,
});

describe('notices store', () => {
  it('[N1] snapshot replaces, queued deltas replay after it', () => {
    const s = new NoticesStore(100, () => NOW);
    s.beginSync();
    expect(s.applyDelta({ seq: 6, notices: [n(2)] })).toBe('queued');
    expect(s.applySnapshot('notices', { serverTime: NOW, seq: 5, notices: [n(1)] })).toBe('applied');
    expect(s.list().map((x) => x.id)).toEqual([2, 1]);
    expect(s.resumableSeq()).toBe(6);
  });

  it('[N2] in sequence; a gap is reported', () => {
    const s = new NoticesStore(100, () => NOW);
    s.beginSync();
    s.applySnapshot('notices', { serverTime: NOW, seq: 1, notices: [] });
    expect(s.applyDelta({ seq: 2, notices: [n(1)] })).toBe('applied');
    expect(s.applyDelta({ seq: 2, notices: [n(1)] })).toBe('stale');
    expect(s.applyDelta({ seq: 4, notices: [n(2)] })).toBe('gap');
  });

  it('[N3] the higher version wins in either order; withdrawn and ended ones leave', () => {
    const v1 = n(1);
    const v2 = n(1, { version: 2, headline: 'edited' });
    const a = applyNotices(applyNotices(new Map(), [v1], NOW, 10), [v2], NOW, 10);
    const b = applyNotices(applyNotices(new Map(), [v2], NOW, 10), [v1], NOW, 10);
    expect(a.get(1)?.headline).toBe('edited');
    expect(b.get(1)?.headline).toBe('edited');
    expect(applyNotices(a, [n(1, { version: 3, withdrawnAt: NOW })], NOW, 10).size).toBe(0);
    expect(applyNotices(new Map(), [n(1, { validUntil: NOW - 1 })], NOW, 10).size).toBe(0);
  });

  it('[N4] keeps at most maxEntries, the ones ending last', () => {
    const held = applyNotices(new Map(), [n(1), n(2), n(3)], NOW, 2);
    expect([...held.keys()].sort()).toEqual([2, 3]);
  });
});
