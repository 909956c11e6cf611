/**
 * The on-disk spool: every record is appended (and fsynced) here before anything is sent, so a crash of the
 * worker, the server or the network loses nothing. One lane per OPD (its key delivers it), so a lane whose
 * key is refused does not hold up the others.
 *
 * A lane is a folder of numbered segment files of lines `<kind> <json>` plus a cursor (segment, byte offset)
 * of what the server has acknowledged. Delivery reads the JSON as text and splices it into request bodies, so
 * a record is serialised once, when it is spooled. Appends are group-committed: concurrent appends share one write and one fsync.
 * On open, a torn last line (crash mid-write) is cut off. Disk use is bounded: past `warnRatio` a warning is
 * logged; past `maxBytes` the oldest unsent segment is dropped, loudly and counted (the count is kept in
 * `dropped.json`, so it survives restarts and feed health can report it cumulatively).
 *
 * A full disk (issue 14.1): an append resolves only once every byte of it is written and synced; a short or
 * failed write rejects it (the source does not advance and retries), and the partial bytes are cut off before
 * the next append, so a record is never continued by the next one. While writes fail the spool reports
 * `diskFull` (feed health, an alert). Acknowledgement never fails on a full disk: the cursor moves in memory
 * and is saved again with the next acknowledgement (a crash before that resends a batch, which the server
 * ignores). The spool holds complaint titles and exact positions: its directory is 0700, its files 0600
 * (issue 13.15).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceLogger } from './source';

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  warnRatio: number;
  segmentBytes: number;
  log: SourceLogger;
}

export type SpoolKind = 'p' | 'e' | 'q';

/** What a lane holds; `k`: p = point, e = event, q = quarantine entry. */
export interface SpoolLine {
  k: SpoolKind;
  b: unknown;
}

/** A line as read back: its kind and its record as JSON text. */
export interface SpooledRecord {
  k: SpoolKind;
  json: string;
}

export interface SpoolBatch {
  lines: SpooledRecord[];
  /**
   * Marks the batch delivered: the cursor moves past it (durably) and consumed segments are deleted.
   * Batches must be acknowledged in the order they were read.
   */
  ack(): Promise<void>;
}

export interface SpoolWriteHealth {
  /** Appends are failing now (the last write failed; cleared by the next good one). */
  failing: boolean;
  /** The failure is a full disk (ENOSPC, EDQUOT) rather than another error. */
  diskFull: boolean;
  lastError: string | null;
  lastErrorAt: number | null;
}

export interface LaneDepth {
  records: number;
  bytes: number;
}

export interface Spool {
  append(lane: string, lines: readonly SpoolLine[]): Promise<void>;
  /**
   * Up to `max` lines after those already read, or null when there are none. Reading runs ahead of
   * acknowledgement (so delivery can pipeline); after a restart it starts again at the acknowledged cursor.
   * One reader per lane.
   */
  read(lane: string, max: number): Promise<SpoolBatch | null>;
  /** Reading starts again at the acknowledged cursor (a delivery loop restarting after a failure). */
  rewind(lane: string): void;
  lanes(): string[];
  depth(lane?: string): LaneDepth;
  /** Records dropped because the spool was full, cumulative (kept across restarts in `dropped.json`). */
  dropped(): number;
  /** Whether writes are failing (a full disk, or another write error) and the last such error. */
  writeHealth(): SpoolWriteHealth;
  /** Resolves when the lane has something to read (or immediately if it has). */
  waitForData(lane: string, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

interface Cursor {
  segment: number;
  offset: number;
}

interface Lane {
  name: string;
  dir: string;
  /** segment numbers present on disk, ascending */
  segments: number[];
  sizes: Map<number, number>;
  writer: FileHandle | null;
  writeSegment: number;
  writeOffset: number;
  cursor: Cursor;
  /** where the next read starts: at or after the cursor */
  readPos: Cursor;
  /** records appended and not yet read / not yet acknowledged */
  unread: number;
  pendingRecords: number;
  queue: { text: string; count: number; resolve: () => void; reject: (e: Error) => void }[];
  flushing: boolean;
  waiters: (() => void)[];
  /** the last acknowledged cursor could not be saved: save it with the next acknowledgement */
  cursorDirty: boolean;
}

const LANE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/** A write that wrote less than it was given: the disk filled up between the bytes. */
export class ShortWriteError extends Error {
  readonly code = 'ENOSPC';
  constructor(written: number, wanted: number) {
    super(`short write to the spool: ${written} of ${wanted} bytes (disk full?)`);
  }
}

/** Makes a directory 0700, also when it already existed with a wider mode. */
async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE);
}
const segName = (n: number) => `${String(n).padStart(10, '0')}.jsonl`;

export async function openSpool(opts: SpoolOptions): Promise<Spool> {
  await privateDir(opts.dir);
  const lanes = new Map<string, Lane>();
  const loading = new Map<string, Promise<Lane>>();
  const droppedFile = join(opts.dir, 'dropped.json');
  let droppedRecords = 0;
  try {
    droppedRecords = Number((JSON.parse(await readFile(droppedFile, 'utf8')) as { records?: unknown }).records) || 0;
  } catch {
    /* none dropped yet, or unreadable: count from 0 */
  }
  let warned = false;
  let closed = false;
  const health: SpoolWriteHealth = { failing: false, diskFull: false, lastError: null, lastErrorAt: null };

  async function loadLane(name: string): Promise<Lane> {
    const dir = join(opts.dir, name);
    await privateDir(dir);
    const segments = (await readdir(dir))
      .filter((f) => /^\d{10}\.jsonl$/.test(f))
      .map((f) => Number(f.slice(0, 10)))
      .sort((a, b) => a - b);
    const sizes = new Map<number, number>();
    for (const s of segments) {
      sizes.set(s, (await stat(join(dir, segName(s)))).size);
      await chmod(join(dir, segName(s)), FILE_MODE); // spools written before 0600
    }
    let cursor: Cursor = { segment: segments[0] ?? 1, offset: 0 };
    const cursorFile = join(dir, 'cursor.json');
    if (existsSync(cursorFile)) {
      try {
        cursor = JSON.parse(await readFile(cursorFile, 'utf8')) as Cursor;
      } catch {
        opts.log.warn({ lane: name }, 'spool cursor unreadable; resending the lane from its oldest segment (the server ignores duplicates)');
      }
    }
    // A segment before the cursor is fully delivered; a cursor before the first segment starts at it.
    for (const s of segments.filter((s) => s < cursor.segment)) {
      await rm(join(dir, segName(s)), { force: true });
      sizes.delete(s);
    }
    const live = segments.filter((s) => s >= cursor.segment);
    if (live.length && cursor.segment < live[0]!) cursor = { segment: live[0]!, offset: 0 };
    // Cut a torn last line left by a crash mid-append.
    const last = live.at(-1);
    if (last !== undefined) {
      const path = join(dir, segName(last));
      const buf = await readFile(path);
      const end = buf.lastIndexOf(0x0a) + 1;
      if (end < buf.length) {
        const fh = await open(path, 'r+');
        await fh.truncate(end);
        await fh.close();
        sizes.set(last, end);
        opts.log.warn({ lane: name, segment: last, bytes: buf.length - end }, 'spool: cut a torn record left by a crash');
      }
    }
    let pendingRecords = 0;
    for (const s of live) {
      const buf = await readFile(join(dir, segName(s)));
      const from = s === cursor.segment ? cursor.offset : 0;
      for (let i = from; i < buf.length; i++) if (buf[i] === 0x0a) pendingRecords++;
    }
    const writeSegment = last ?? cursor.segment;
    return {
      name,
      dir,
      segments: live.length ? live : [],
      sizes,
      writer: null,
      writeSegment,
      writeOffset: sizes.get(writeSegment) ?? 0,
      cursor,
      readPos: { ...cursor },
      unread: pendingRecords,
      pendingRecords,
      queue: [],
      flushing: false,
      waiters: [],
      cursorDirty: false,
    };
  }

  for (const entry of await readdir(opts.dir, { withFileTypes: true })) {
    if (entry.isDirectory() && LANE_NAME.test(entry.name)) lanes.set(entry.name, await loadLane(entry.name));
  }

  async function lane(name: string): Promise<Lane> {
    if (!LANE_NAME.test(name)) throw new Error(`invalid spool lane '${name}'`);
    const l = lanes.get(name);
    if (l) return l;
    // concurrent first appends to a new lane must share one Lane
    let p = loading.get(name);
    if (!p) {
      p = loadLane(name).then((loaded) => {
        lanes.set(name, loaded);
        loading.delete(name);
        return loaded;
      });
      loading.set(name, p);
    }
    return p;
  }

  const totalBytes = () => {
    let total = 0;
    for (const l of lanes.values()) for (const size of l.sizes.values()) total += size;
    return total;
  };

  async function flush(l: Lane): Promise<void> {
    if (l.flushing) return;
    l.flushing = true;
    try {
      while (l.queue.length) {
        const group = l.queue.splice(0);
        const data = Buffer.from(group.map((g) => g.text).join(''), 'utf8');
        const count = group.reduce((n, g) => n + g.count, 0);
        try {
          if (!l.writer || l.writeOffset >= opts.segmentBytes) await rotate(l);
          await writeAll(l, data);
          l.writeOffset += data.length;
          l.sizes.set(l.writeSegment, l.writeOffset);
          if (!l.segments.includes(l.writeSegment)) l.segments.push(l.writeSegment);
          l.pendingRecords += count;
          l.unread += count;
          if (health.failing) opts.log.info({ lane: l.name }, 'spool writes succeed again');
          health.failing = false;
          health.diskFull = false;
          await enforceBound();
          for (const g of group) g.resolve();
          for (const w of l.waiters.splice(0)) w();
        } catch (e) {
          noteWriteError(l, e as NodeJS.ErrnoException);
          for (const g of group) g.reject(e as Error);
        }
      }
    } finally {
      l.flushing = false;
    }
  }

  /**
   * Writes all of `data` at the lane's write offset and syncs it; on a short or failed write cuts what was
   * written of it (a torn tail must never be continued by the next record) and throws.
   */
  async function writeAll(l: Lane, data: Buffer): Promise<void> {
    const fh = l.writer!;
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await fh.write(data, done, data.length - done, l.writeOffset + done);
        if (bytesWritten <= 0) throw new ShortWriteError(done, data.length);
        done += bytesWritten;
      }
      await fh.datasync();
    } catch (e) {
      try {
        await fh.truncate(l.writeOffset);
      } catch (t) {
        // the file keeps a torn tail: the segment is reopened, and cut, before the next append (rotate)
        opts.log.error({ lane: l.name, err: t }, 'spool: could not cut a failed write; cutting it before the next append');
        await fh.close().catch(() => {});
        l.writer = null;
      }
      throw e;
    }
  }

  function noteWriteError(l: Lane, e: NodeJS.ErrnoException): void {
    const full = DISK_FULL.has(e.code ?? '');
    if (!health.failing || health.diskFull !== full)
      opts.log.error({ lane: l.name, err: e }, full ? 'spool disk full: records are not accepted until space returns' : 'spool write failed');
    health.failing = true;
    health.diskFull = full;
    health.lastError = e.message;
    health.lastErrorAt = Date.now();
  }

  /**
   * Opens the segment to append to: the next one when the current is full, or the current one again after a
   * failed write, cut back to what the spool knows is whole (a torn tail is never continued).
   */
  async function rotate(l: Lane): Promise<void> {
    if (l.writer) {
      await l.writer.close();
      l.writer = null;
      l.writeSegment += 1;
      l.writeOffset = 0;
    }
    // 'r+' after creating, not 'a': writes are positional, at the offset the spool knows is whole
    const path = join(l.dir, segName(l.writeSegment));
    if (!existsSync(path)) await (await open(path, 'a', FILE_MODE)).close();
    const fh = await open(path, 'r+', FILE_MODE);
    try {
      const known = l.sizes.get(l.writeSegment) ?? 0;
      const size = (await fh.stat()).size;
      if (size > known) {
        await fh.truncate(known);
        opts.log.warn({ lane: l.name, segment: l.writeSegment, bytes: size - known }, 'spool: cut the torn tail of a failed write');
      }
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
    l.writer = fh;
    l.writeOffset = l.sizes.get(l.writeSegment) ?? 0;
    l.sizes.set(l.writeSegment, l.writeOffset);
  }

  async function enforceBound(): Promise<void> {
    let total = totalBytes();
    if (total >= opts.maxBytes * opts.warnRatio) {
      if (!warned) {
        warned = true;
        opts.log.warn(
          { bytes: total, maxBytes: opts.maxBytes },
          `spool is ${Math.round((100 * total) / opts.maxBytes)}% full: the server is not taking records as fast as they arrive`,
        );
      }
    } else warned = false;
    while (total > opts.maxBytes) {
      // Drop the oldest unsent segment of the fullest lane (never the one being written).
      const victim = fullestDroppableLane(lanes.values());
      if (!victim) return;
      const seg = victim.segments.shift()!;
      const buf = await readFile(join(victim.dir, segName(seg)));
      const lost = recordsFrom(buf, victim.cursor.segment === seg ? victim.cursor.offset : 0);
      await rm(join(victim.dir, segName(seg)), { force: true });
      victim.sizes.delete(seg);
      victim.cursor = { segment: victim.segments[0]!, offset: 0 };
      await saveCursor(victim);
      if (victim.readPos.segment <= seg) {
        // the reader had not passed the dropped segment: what it had not read of it is lost, not unread
        victim.unread -= recordsFrom(buf, victim.readPos.segment === seg ? victim.readPos.offset : 0);
        victim.readPos = { ...victim.cursor };
      }
      victim.pendingRecords -= lost;
      droppedRecords += lost;
      await writePrivate(droppedFile, JSON.stringify({ records: droppedRecords })).catch((e: Error) =>
        opts.log.warn({ err: e }, 'spool: could not save the dropped count'),
      );
      opts.log.error({ lane: victim.name, records: lost, maxBytes: opts.maxBytes }, 'spool full: dropped the oldest unsent records');
      total = totalBytes();
    }
  }

  /**
   * Saves the lane's cursor; never throws. On failure (a full disk) the cursor stays in memory and is saved
   * with the next acknowledgement: delivery goes on, and a crash meanwhile only resends what the server has.
   */
  async function saveCursor(l: Lane): Promise<void> {
    try {
      await writePrivate(join(l.dir, 'cursor.json'), JSON.stringify(l.cursor));
      if (l.cursorDirty) opts.log.info({ lane: l.name }, 'spool cursor saved again');
      l.cursorDirty = false;
    } catch (e) {
      if (!l.cursorDirty)
        opts.log.error({ lane: l.name, err: e }, 'spool: could not save the cursor; delivery goes on, saving again with the next batch');
      l.cursorDirty = true;
      noteWriteError(l, e as NodeJS.ErrnoException);
    }
  }

  return {
    async append(name, lines) {
      if (closed) throw new Error('spool is closed');
      if (lines.length === 0) return;
      const l = await lane(name);
      let text = '';
      for (const line of lines) text += `${line.k} ${JSON.stringify(line.b)}\n`;
      await new Promise<void>((resolve, reject) => {
        l.queue.push({ text, count: lines.length, resolve, reject });
        void flush(l);
      });
    },

    async read(name, max) {
      const l = lanes.get(name);
      if (!l || l.unread <= 0) return null;
      const lines: SpooledRecord[] = [];
      let seg = l.readPos.segment;
      let offset = l.readPos.offset;
      while (lines.length < max) {
        const size = l.sizes.get(seg);
        if (size === undefined) {
          const next = l.segments.find((s) => s > seg);
          if (next === undefined) break;
          seg = next;
          offset = 0;
          continue;
        }
        if (offset >= size) {
          const next = l.segments.find((s) => s > seg);
          if (next === undefined) break;
          seg = next;
          offset = 0;
          continue;
        }
        const fh = await open(join(l.dir, segName(seg)), 'r');
        try {
          const chunk = Buffer.alloc(Math.min(size - offset, 4 * 1024 * 1024));
          const { bytesRead } = await fh.read(chunk, 0, chunk.length, offset);
          let start = 0;
          for (let i = 0; i < bytesRead && lines.length < max; i++) {
            if (chunk[i] !== 0x0a) continue;
            const k = String.fromCharCode(chunk[start]!) as SpoolKind;
            if ((k === 'p' || k === 'e' || k === 'q') && chunk[start + 1] === 0x20) {
              lines.push({ k, json: chunk.subarray(start + 2, i).toString('utf8') });
            } else {
              opts.log.error({ lane: name, segment: seg, offset: offset + start }, 'spool: skipped an unreadable record');
            }
            start = i + 1;
          }
          if (start === 0) break; // a line longer than the read window; cannot happen with our record sizes
          offset += start;
        } finally {
          await fh.close();
        }
      }
      const count = lines.length;
      const end: Cursor = { segment: seg, offset };
      l.readPos = end;
      l.unread -= count;
      return {
        lines,
        async ack() {
          l.cursor = end;
          l.pendingRecords -= count;
          await saveCursor(l);
          // Delivered segments go even when the cursor could not be saved: that is what frees a full disk, and a
          // saved cursor before the first segment left starts at that segment (loadLane).
          for (const s of l.segments.filter((s) => s < end.segment)) {
            await rm(join(l.dir, segName(s)), { force: true }).catch(() => {});
            l.sizes.delete(s);
          }
          l.segments = l.segments.filter((s) => s >= end.segment);
        },
      };
    },

    rewind(name) {
      const l = lanes.get(name);
      if (!l) return;
      l.readPos = { ...l.cursor };
      l.unread = l.pendingRecords;
    },

    lanes: () => [...lanes.keys()],

    depth(name) {
      const selected = name ? [lanes.get(name)].filter((l): l is Lane => !!l) : [...lanes.values()];
      let records = 0;
      let bytes = 0;
      for (const l of selected) {
        records += l.pendingRecords;
        for (const [seg, size] of l.sizes) bytes += seg === l.cursor.segment ? size - l.cursor.offset : seg > l.cursor.segment ? size : 0;
      }
      return { records, bytes };
    },

    dropped: () => droppedRecords,

    writeHealth: () => ({ ...health }),

    async waitForData(name, signal) {
      const l = await lane(name);
      if (l.unread > 0) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        l.waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },

    async close() {
      closed = true;
      for (const l of lanes.values()) {
        while (l.flushing || l.queue.length) await new Promise((r) => setTimeout(r, 5));
        await l.writer?.close();
        l.writer = null;
        for (const w of l.waiters.splice(0)) w();
      }
    },
  };
}

/** Writes a small file atomically (temporary file, fsync, rename), 0600. */
async function writePrivate(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: FILE_MODE, flush: true });
  await rename(tmp, path);
}

/** Records (complete lines) in a segment's bytes from `offset` on. Pure. */
export function recordsFrom(buf: Uint8Array, offset: number): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a, offset); i !== -1; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * The lane to drop from when the spool is over its bound: the one holding the most bytes, among those with an
 * older segment than the one being written (that one is never dropped). Pure.
 */
export function fullestDroppableLane<L extends { segments: readonly number[]; sizes: ReadonlyMap<number, number> }>(
  lanes: Iterable<L>,
): L | undefined {
  let best: L | undefined;
  let bestBytes = -1;
  for (const l of lanes) {
    if (l.segments.length < 2) continue;
    const bytes = sum(l.sizes);
    if (bytes > bestBytes) [best, bestBytes] = [l, bytes];
  }
  return best;
}

function sum(m: ReadonlyMap<number, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}
