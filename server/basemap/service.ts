/**
 * Importing a basemap (`admin basemap import`): GeoJSON layers checked by validate.ts and stored with their
 * audit entry in one transaction, or a PMTiles archive whose header the `pmtiles` package reads (magic,
 * version 3, tile type, zooms, bounds) and whose root directory it decodes, copied under the basemap directory
 * named by its hash. A bad file is refused before anything is written: nothing changes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type pg from 'pg';
import { PMTiles, TileType, type RangeResponse, type Source } from 'pmtiles';
import { appendAudit } from '../../db/queries/audit';
import { replaceLayers, setPmtiles, type StoredPmtiles } from '../../db/queries/basemap';
import { inTransaction } from '../../db/transaction';
import type { BasemapCollection, BasemapLayer, PmtilesSummary } from '../../shared/basemap';

/** Layers already checked (validate.ts): stored with their audit entry in one transaction. */
export type LayersImport = { kind: 'imported'; counts: Partial<Record<BasemapLayer, number>> };

export async function importLayers(
  pool: pg.Pool,
  layers: Partial<Record<BasemapLayer, BasemapCollection>>,
  opts: { source: string; actor: string },
): Promise<LayersImport> {
  const counts: Partial<Record<BasemapLayer, number>> = {};
  for (const [l, c] of Object.entries(layers) as [BasemapLayer, BasemapCollection][]) counts[l] = c.features.length;
  await inTransaction(pool, async (c) => {
    await replaceLayers(c, layers, opts.source);
    await appendAudit(c, [
      { actor: opts.actor, action: 'basemap.layers_imported', target: opts.source, detail: { features: counts }, source: 'cli' },
    ]);
  });
  return { kind: 'imported', counts };
}

/** The archive on disk, read the way `pmtiles` reads a remote one (ranges), without loading it whole. */
class NodeFileSource implements Source {
  constructor(
    private readonly handle: import('node:fs/promises').FileHandle,
    private readonly key: string,
  ) {}
  getKey(): string {
    return this.key;
  }
  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buf, 0, length, offset);
    const out = new ArrayBuffer(bytesRead);
    new Uint8Array(out).set(buf.subarray(0, bytesRead));
    return { data: out };
  }
}

const TILE_TYPES: Record<number, PmtilesSummary['tileType']> = {
  [TileType.Mvt]: 'mvt',
  [TileType.Png]: 'png',
  [TileType.Jpeg]: 'jpeg',
  [TileType.Webp]: 'webp',
  [TileType.Avif]: 'avif',
};

export interface PmtilesHeaderSummary {
  tileType: PmtilesSummary['tileType'];
  minZoom: number;
  maxZoom: number;
  bounds: [number, number, number, number];
}

/** Reads and checks a PMTiles archive's header and root directory; a reason when it is not a usable v3 archive. */
export async function inspectPmtiles(file: string): Promise<{ ok: true; header: PmtilesHeaderSummary } | { ok: false; reason: string }> {
  const handle = await open(file, 'r');
  try {
    const magic = Buffer.alloc(8);
    await handle.read(magic, 0, 8, 0);
    if (magic.subarray(0, 7).toString('latin1') !== 'PMTiles') return { ok: false, reason: 'not a PMTiles archive (no "PMTiles" magic number)' };
    if (magic[7] !== 3) return { ok: false, reason: `PMTiles version ${magic[7]} is not supported (convert it to version 3 with the pmtiles CLI)` };
    const p = new PMTiles(new NodeFileSource(handle, file));
    const h = await p.getHeader();
    const tileType = TILE_TYPES[h.tileType];
    if (!tileType) return { ok: false, reason: `unknown tile type ${h.tileType}` };
    if (h.minZoom > h.maxZoom || h.maxZoom > 24) return { ok: false, reason: `zooms ${h.minZoom}–${h.maxZoom} are not usable` };
    const size = (await handle.stat()).size;
    if (h.rootDirectoryOffset + h.rootDirectoryLength > size || h.tileDataOffset > size) return { ok: false, reason: 'the archive is truncated' };
    // decoding a tile position walks the (compressed) directories: a corrupt archive fails here
    await p.getZxy(h.minZoom, 0, 0);
    const bounds: [number, number, number, number] = [h.minLon, h.minLat, h.maxLon, h.maxLat];
    if (!(bounds[0] < bounds[2] && bounds[1] < bounds[3])) return { ok: false, reason: 'the header has empty bounds' };
    return { ok: true, header: { tileType, minZoom: h.minZoom, maxZoom: h.maxZoom, bounds } };
  } catch (e) {
    return { ok: false, reason: `unreadable archive: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    await handle.close();
  }
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export type PmtilesImport = { kind: 'imported'; stored: StoredPmtiles } | { kind: 'invalid'; reason: string };

/**
 * Copies the archive into `dir` as `<sha256>.pmtiles` (a temporary name, then a rename: a reader never sees
 * half a file) and points the row at it; the previous archive's file is removed once the row moved on.
 */
export async function importPmtiles(pool: pg.Pool, dir: string, file: string, opts: { actor: string }): Promise<PmtilesImport> {
  const checked = await inspectPmtiles(file);
  if (!checked.ok) return { kind: 'invalid', reason: checked.reason };
  const sha256 = await sha256File(file);
  const fileName = `${sha256.slice(0, 32)}.pmtiles`;
  await mkdir(dir, { recursive: true });
  const target = join(dir, fileName);
  const existed = await stat(target).then(
    () => true,
    () => false,
  );
  const tmp = `${target}.${process.pid}.tmp`;
  await copyFile(file, tmp);
  await rename(tmp, target);
  const sizeBytes = (await stat(target)).size;
  const row = { fileName, sha256, sizeBytes, source: basename(file), ...checked.header };
  let previous: StoredPmtiles | null;
  try {
    previous = await inTransaction(pool, async (c) => {
      const prev = await setPmtiles(c, row);
      await appendAudit(c, [
        {
          actor: opts.actor,
          action: 'basemap.pmtiles_imported',
          target: basename(file),
          detail: { sha256, bytes: sizeBytes, tileType: row.tileType, minZoom: row.minZoom, maxZoom: row.maxZoom },
          source: 'cli',
        },
      ]);
      return prev;
    });
  } catch (e) {
    if (!existed) await rm(target, { force: true });
    throw e;
  }
  if (previous && previous.fileName !== fileName) await rm(join(dir, previous.fileName), { force: true });
  return { kind: 'imported', stored: { ...row, importedAt: new Date() } };
}
