/**
 * The notices channel on the one channel model (server/realtime/channel.ts): `notices:subscribe` →
 * `notices:changed`. One room (`notices`) with its own sequence number, heard on `/public` (publik by nature:
 * a notice is published to be read) and on `/live`. Facts that must arrive: never volatile. A withdrawn
 * notice travels with `withdrawnAt` set so clients drop it; the snapshot holds the notices not withdrawn and
 * not ended.
 */
import type { z } from 'zod';
import { noticesSubscribeSchema, type NoticesChanged, type NoticesSnapshot, type WireNotice } from '../../shared/notices';
import { parseRoomId, toRoomId } from '../../shared/rooms';
import type { ChannelHandler } from '../realtime/channel';
import { preEncode } from '../realtime/preencoded';

type Delta = Omit<NoticesChanged, 'seq'>;

export const NOTICES_KEY = 'notices';
const ROOM = toRoomId({ type: 'notices' });
/** How long one snapshot query serves later subscribers at the same seq. */
const SNAPSHOT_REUSE_MS = 2_000;

/** Pure: two deltas of one tick; the later version of a notice wins, order of first appearance kept. */
export function mergeNoticeDeltas(a: Delta, b: Delta): Delta {
  const byId = new Map(a.notices.map((n) => [n.id, n]));
  for (const n of b.notices) {
    const held = byId.get(n.id);
    if (!held || held.version <= n.version) byId.set(n.id, n);
  }
  return { notices: [...byId.values()] };
}

export function createNoticesChannel(deps: {
  current: () => Promise<WireNotice[]>;
  clock: () => number;
}): ChannelHandler<z.output<typeof noticesSubscribeSchema>, string, WireNotice, Delta, NoticesSnapshot> {
  let cached: { seq: number; at: number; notices: WireNotice[] } | null = null;
  return {
    type: 'notices',
    subscribeEvent: 'notices:subscribe',
    deltaEvent: 'notices:changed',
    schema: noticesSubscribeSchema,
    keys: () => [NOTICES_KEY],
    // published to be read: anyone, signed in or not
    authorise: (_who, key) =>
      key === NOTICES_KEY ? { allow: true, item: key } : { allow: false, code: 'not_found', message: `no notices key ${key}` },
    roomOf: () => ROOM,
    keyOf: (room) => (parseRoomId(room)?.type === 'notices' ? NOTICES_KEY : null),
    isPublik: () => true,
    roomsOf: (notice) => [{ room: ROOM, delta: { notices: [notice] } }],
    merge: mergeNoticeDeltas,
    async snapshot(_who, inputs) {
      const input = inputs[0];
      const seq = input?.seq ?? 0;
      // one query serves a crowd of /public subscribers: reused while the room's seq has not moved (a change
      // anywhere in the cluster moves it) and for at most SNAPSHOT_REUSE_MS (notices start and end by time)
      const now = deps.clock();
      // serialised once for the crowd it serves (preencoded.ts), not once per subscriber
      if (!cached || cached.seq !== seq || now - cached.at > SNAPSHOT_REUSE_MS) cached = { seq, at: now, notices: preEncode(await deps.current()) };
      return { data: { serverTime: now, seq: cached.seq, notices: cached.notices }, seqs: inputs.map(() => cached!.seq) };
    },
  };
}
