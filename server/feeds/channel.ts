/**
 * The feed-health channel (`feeds:subscribe` → `feeds:reported`): ingest workers' reports, for the command
 * center only (operators and admins, who are in the room from connection). The snapshot is the stored health
 * of every feed, judged at the time of asking.
 */
import type pg from 'pg';
import type { z } from 'zod';
import type { FeedsReported, FeedsSnapshot, Principal } from '../../shared/contract';
import { feedState, type FeedHealth } from '../../shared/feed-state';
import { toRoomId } from '../../shared/rooms';
import { feedsSubscribeSchema } from '../../shared/schemas';
import { listHealth } from '../../db/queries/feeds';
import type { ChannelHandler } from '../realtime/channel';

type Delta = Omit<FeedsReported, 'seq'>;

const FEEDS_ROOM = toRoomId({ type: 'feeds' });
const isOperator = (who: Principal) => who.role === 'operator' || who.role === 'admin';

export function createFeedsChannel(deps: {
  pool: pg.Pool;
  clock: () => number;
}): ChannelHandler<z.output<typeof feedsSubscribeSchema>, null, FeedHealth[], Delta, FeedsSnapshot> {
  return {
    type: 'feeds',
    subscribeEvent: 'feeds:subscribe',
    deltaEvent: 'feeds:reported',
    schema: feedsSubscribeSchema,
    keys: () => ['all'],
    authorise: (who, key) =>
      key !== 'all'
        ? { allow: false, code: 'not_found', message: `no feeds scope '${key}'` }
        : isOperator(who)
          ? { allow: true, item: null }
          : { allow: false, code: 'forbidden', message: 'feed health is for the command center' },
    roomOf: () => FEEDS_ROOM,
    keyOf: (room) => (room === FEEDS_ROOM ? 'all' : null),
    isPublik: () => false,
    roomsOf: (feeds) => (feeds.length ? [{ room: FEEDS_ROOM, delta: { feeds } }] : []),
    merge: (a, b) => ({ feeds: [...a.feeds, ...b.feeds] }),
    async snapshot(_who, inputs) {
      const now = deps.clock();
      const feeds = (await listHealth(deps.pool)).map((h) => ({ ...h, state: feedState(h, now) }));
      return { data: { serverTime: now, seq: inputs[0]?.seq ?? 0, feeds }, seqs: inputs.map((i) => i.seq) };
    },
    autoJoin: (who) => (isOperator(who) ? ['all'] : []),
  };
}
