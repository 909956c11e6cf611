/**
 * A tiny but valid PMTiles v3 archive, written byte by byte from the spec
 * (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md): the 127-byte header, an uncompressed root
 * directory and metadata, and the given tiles. Enough for the import check and for range reads.
 */
function varint(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

/** Tile id of z/x/y on the Hilbert curve; only z0 (id 0) and z1 are needed here. */
const TILE_IDS: Record<string, number> = { '0/0/0': 0, '1/0/0': 1, '1/0/1': 2, '1/1/1': 3, '1/1/0': 4 };

export function buildPmtiles(opts: {
  tiles: { z: number; x: number; y: number; data: Uint8Array }[];
  /** 1 mvt, 2 png, … */
  tileType?: number;
  bounds?: [number, number, number, number];
  version?: number;
}): Buffer {
  const tiles = opts.tiles.map((t) => ({ id: TILE_IDS[`${t.z}/${t.x}/${t.y}`]!, data: t.data, z: t.z })).sort((a, b) => a.id - b.id);
  const dir: number[] = [];
  varint(tiles.length, dir);
  let last = 0;
  for (const t of tiles) {
    varint(t.id - last, dir);
    last = t.id;
  }
  for (let i = 0; i < tiles.length; i++) varint(1, dir); // run length
  for (const t of tiles) varint(t.data.length, dir);
  let offset = 0;
  tiles.forEach((t, i) => {
    varint(i > 0 ? 0 : offset + 1, dir); // 0: right after the previous tile
    offset += t.data.length;
  });
  const metadata = Buffer.from(JSON.stringify({ name: 'test', vector_layers: [] }));
  const tileData = Buffer.concat(tiles.map((t) => Buffer.from(t.data)));
  const header = Buffer.alloc(127);
  header.write('PMTiles', 0, 'latin1');
  header.writeUInt8(opts.version ?? 3, 7);
  const rootOffset = 127;
  const metaOffset = rootOffset + dir.length;
  const dataOffset = metaOffset + metadata.length;
  const u64 = (v: number, at: number) => header.writeBigUInt64LE(BigInt(v), at);
  u64(rootOffset, 8);
  u64(dir.length, 16);
  u64(metaOffset, 24);
  u64(metadata.length, 32);
  u64(dataOffset, 40); // no leaf directories
  u64(0, 48);
  u64(dataOffset, 56);
  u64(tileData.length, 64);
  u64(tiles.length, 72);
  u64(tiles.length, 80);
  u64(tiles.length, 88);
  header.writeUInt8(1, 96); // clustered
  header.writeUInt8(1, 97); // internal compression: none
  header.writeUInt8(1, 98); // tile compression: none
  header.writeUInt8(opts.tileType ?? 1, 99);
  header.writeUInt8(Math.min(...tiles.map((t) => t.z)), 100);
  header.writeUInt8(Math.max(...tiles.map((t) => t.z)), 101);
  const [w, s, e, n] = opts.bounds ?? [110.27, -7.13, 110.5, -6.93];
  header.writeInt32LE(Math.round(w * 1e7), 102);
  header.writeInt32LE(Math.round(s * 1e7), 106);
  header.writeInt32LE(Math.round(e * 1e7), 110);
  header.writeInt32LE(Math.round(n * 1e7), 114);
  header.writeUInt8(0, 118);
  header.writeInt32LE(Math.round(((w + e) / 2) * 1e7), 119);
  header.writeInt32LE(Math.round(((s + n) / 2) * 1e7), 123);
  return Buffer.concat([header, Buffer.from(dir), metadata, tileData]);
}
