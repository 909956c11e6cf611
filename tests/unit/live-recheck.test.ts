import { describe, expect, it } from 'vitest';
import { endedSubscriptions, type Subscription } from '../../server/realtime/recheck';
import type { Decision } from '../../server/access/policy';

const subs: Subscription[] = [
  { type: 'metric', code: 'water_level' },
  { type: 'metric', code: 'truck_load', purpose: 'flood-response' },
  { type: 'event_kind', code: 'complaint' },
  { type: 'metric', code: 'dropped_metric' },
];
const agency = { role: 'agency' as const, opd: 'BPBD', tokenId: 1 };

describe('endedSubscriptions', () => {
  it.each([
    ['everything still allowed', () => ({ allow: true }) as Decision, []],
    [
      'the agreement ended',
      (_: unknown, s: Subscription): Decision | 'gone' =>
        s.code === 'truck_load' ? { allow: false, reason: 'truck_load is terbatas data of DLH, not shared with BPBD' } : { allow: true },
      [{ code: 'truck_load', error: 'forbidden' }],
    ],
    [
      'a metric left the catalog',
      (_: unknown, s: Subscription): Decision | 'gone' => (s.code === 'dropped_metric' ? 'gone' : { allow: true }),
      [{ code: 'dropped_metric', error: 'not_found' }],
    ],
  ])('%s', (_name, judge, expected) => {
    const out = endedSubscriptions(agency, subs, judge as (w: unknown, s: Subscription) => Decision | 'gone');
    expect(out.map((o) => ({ code: o.sub.code, error: o.code }))).toEqual(expected);
  });
  it('passes each subscription its own stated purpose', () => {
    const seen: (string | undefined)[] = [];
    endedSubscriptions(agency, subs, (_w, s) => {
      seen.push(s.purpose);
      return { allow: true };
    });
    expect(seen).toEqual([undefined, 'flood-response', undefined, undefined]);
  });
});
