import { describe, expect, it } from 'vitest';
import { createCatalogChannel } from '../../server/catalog/channel';
import { parseRoomId, toRoomId } from '../../shared/rooms';

const channel = createCatalogChannel({ version: () => 7, clock: () => 1_000 });

describe('the catalog channel', () => {
  it.each([
    ['admin', { role: 'admin', tokenId: 1 }, true],
    ['operator', { role: 'operator', tokenId: 1 }, true],
    ['agency', { role: 'agency', opd: 'DINKES', tokenId: 1 }, true],
    ['public', { role: 'public' }, false],
  ] as const)('%s: may hear it %s, and is put in its room at connection as much', (_name, who, allowed) => {
    expect(channel.authorise(who, 'catalog').allow).toBe(allowed);
    expect(channel.autoJoin!(who)).toEqual(allowed ? ['catalog'] : []);
  });

  it('knows one key and one room, built by the one room function', () => {
    expect(channel.authorise({ role: 'admin', tokenId: 1 }, 'metrics').allow).toBe(false);
    expect(channel.roomOf('catalog')).toBe(toRoomId({ type: 'catalog' }));
    expect(parseRoomId('catalog')).toEqual({ type: 'catalog' });
    expect(channel.keyOf('catalog')).toBe('catalog');
    expect(channel.keyOf('notices')).toBeNull();
    expect(channel.isPublik('catalog')).toBe(false);
  });

  it('coalesces a tick to its newest version, in either order', () => {
    expect(channel.merge({ version: 3 }, { version: 5 })).toEqual({ version: 5 });
    expect(channel.merge({ version: 5 }, { version: 3 })).toEqual({ version: 5 });
    expect(channel.roomsOf(9)).toEqual([{ room: 'catalog', delta: { version: 9 } }]);
  });

  it('snapshots the version held with the seq it covers', async () => {
    const snap = await channel.snapshot({ role: 'admin', tokenId: 1 }, [{ key: 'catalog', item: null, seq: 4 }], {});
    expect(snap).toEqual({ data: { serverTime: 1_000, seq: 4, version: 7 }, seqs: [4] });
  });
});
