/**
 * The catalog channel on the one channel model (server/realtime/channel.ts): `catalog:subscribe` →
 * `catalog:changed`. One room; every signed-in socket is in it from connection (a tablet must learn of a new
 * metric without asking). The fact is only the new version: the catalog a client may see depends on its rights,
 * so it refetches GET /api/v1/catalog rather than receive items here. Facts that must arrive: never volatile.
 * app.ts publishes from the cluster's leader alone (every process re-reads on NOTIFY, one of them announces).
 */
import type { z } from 'zod';
import type { CatalogChanged, CatalogSnapshot } from '../../shared/contract';
import { parseRoomId, toRoomId } from '../../shared/rooms';
import { catalogSubscribeSchema } from '../../shared/schemas';
import type { ChannelHandler } from '../realtime/channel';

type Delta = Omit<CatalogChanged, 'seq'>;

export const CATALOG_KEY = 'catalog';
const ROOM = toRoomId({ type: 'catalog' });

export function createCatalogChannel(deps: {
  version: () => number;
  clock: () => number;
}): ChannelHandler<z.output<typeof catalogSubscribeSchema>, null, number, Delta, CatalogSnapshot> {
  return {
    type: 'catalog',
    subscribeEvent: 'catalog:subscribe',
    deltaEvent: 'catalog:changed',
    schema: catalogSubscribeSchema,
    keys: () => [CATALOG_KEY],
    authorise: (who, key) =>
      key !== CATALOG_KEY
        ? { allow: false, code: 'not_found', message: `no catalog key ${key}` }
        : who.role === 'public'
          ? { allow: false, code: 'forbidden', message: 'sign in first' }
          : { allow: true, item: null },
    roomOf: () => ROOM,
    keyOf: (room) => (parseRoomId(room)?.type === 'catalog' ? CATALOG_KEY : null),
    isPublik: () => false,
    roomsOf: (version) => [{ room: ROOM, delta: { version } }],
    // within one tick only the newest version matters
    merge: (a, b) => ({ version: Math.max(a.version, b.version) }),
    async snapshot(_who, inputs) {
      const seq = inputs[0]?.seq ?? 0;
      return { data: { serverTime: deps.clock(), seq, version: deps.version() }, seqs: inputs.map((i) => i.seq) };
    },
    autoJoin: (who) => (who.role === 'public' ? [] : [CATALOG_KEY]),
  };
}
