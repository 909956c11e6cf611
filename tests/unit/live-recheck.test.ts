import { describe, expect, it } from 'vitest';
import { judgeSubscriptions, sessionEndReason, type TokenState } from '../../server/realtime/recheck';
import type { ChannelHandler } from '../../server/realtime/channel';
import type { SubscriptionRecord } from '../../shared/contract';

const subs: Record<string, SubscriptionRecord> = {
  'metric:water_level': { type: 'points', code: 'water_level' },
  'metric:truck_load': { type: 'points', code: 'truck_load', purpose: 'flood-response' },
  'events:complaint': { type: 'events', code: 'complaint' },
  'metric:dropped_metric': { type: 'points', code: 'dropped_metric' },
  'alerts:BPBD': { type: 'alerts', code: 'BPBD' },
};
const agency = { role: 'agency' as const, opd: 'BPBD', tokenId: 1 };
type Judge = ChannelHandler['authorise'];
const allow: Judge = () => ({ allow: true, item: null });

describe('judgeSubscriptions', () => {
  it.each([
    ['everything still allowed', {}, []],
    [
      'the agreement ended',
      {
        points: ((_w, key) =>
          key === 'truck_load' ? { allow: false, code: 'forbidden', message: 'not shared' } : { allow: true, item: null }) as Judge,
      },
      [{ room: 'metric:truck_load', code: 'forbidden' }],
    ],
    [
      'a metric left the catalog',
      {
        points: ((_w, key) =>
          key === 'dropped_metric' ? { allow: false, code: 'not_found', message: 'gone' } : { allow: true, item: null }) as Judge,
      },
      [{ room: 'metric:dropped_metric', code: 'not_found' }],
    ],
    [
      'alerts are judged like every channel',
      { alerts: (() => ({ allow: false, code: 'forbidden', message: 'no' })) as Judge },
      [{ room: 'alerts:BPBD', code: 'forbidden' }],
    ],
  ] as [string, Record<string, Judge>, { room: string; code: string }[]][])('%s', (_name, judges, expected) => {
    const out = judgeSubscriptions(agency, subs, (type) => ({ authorise: judges[type] ?? allow }));
    expect(out.map((o) => ({ room: o.room, code: o.refusal.code }))).toEqual(expected);
  });
  it('passes each subscription its own stated purpose; an unknown channel ends its subscription', () => {
    const seen: (string | undefined)[] = [];
    const out = judgeSubscriptions(agency, { ...subs, x: { type: 'nope', code: 'x' } }, (type) =>
      type === 'nope'
        ? undefined
        : {
            authorise: (_w, _k, purpose) => {
              seen.push(purpose);
              return { allow: true, item: null };
            },
          },
    );
    expect(seen).toEqual([undefined, 'flood-response', undefined, undefined, undefined]);
    expect(out.map((o) => o.room)).toEqual(['x']);
  });
});

const token = (t: Partial<TokenState> = {}): TokenState => ({ revoked: false, expired: false, disabled: false, role: 'agency', opd: 'BPBD', ...t });
const operator = { role: 'operator' as const, tokenId: 2 };
const camat = { role: 'wilayah' as const, region: '33.74.01', tokenId: 3 };

describe('sessionEndReason', () => {
  it.each([
    ['valid', agency, token(), null],
    ['token deleted', agency, undefined, 'revoked'],
    ['user disabled (wins over the rest)', agency, token({ disabled: true, revoked: true }), 'disabled'],
    ['revoked', agency, token({ revoked: true }), 'revoked'],
    ['expired', agency, token({ expired: true }), 'expired'],
    ['role changed', agency, token({ role: 'operator', opd: null }), 'role_changed'],
    [
      'role changed and its sessions revoked: the change is the reason',
      agency,
      token({ role: 'operator', opd: null, revoked: true }),
      'role_changed',
    ],
    ['moved to another OPD', agency, token({ opd: 'DLH' }), 'role_changed'],
    ['operator still operator', operator, token({ role: 'operator', opd: null }), null],
    ['device token (no user)', operator, token({ role: null, opd: null }), null],
    ['camat still in their kecamatan', camat, token({ role: 'wilayah', opd: null, region: '33.74.01' }), null],
    ['camat moved to another kecamatan (issue 17)', camat, token({ role: 'wilayah', opd: null, region: '33.74.02' }), 'role_changed'],
    ['camat made an operator', camat, token({ role: 'operator', opd: null, region: null }), 'role_changed'],
  ] as const)('%s', (_name, who, state, expected) => {
    expect(sessionEndReason(who, state)).toBe(expected);
  });
});
