import { describe, expect, it } from 'vitest';
import { feedState, SILENT_AFTER_MS, type FeedHealth } from '../../shared/feed-state';
import { ApiError } from '../../client/lib/api/http';
import { feedList } from '../../client/lib/api/feeds';
import { FeedsStore, FeedsSync, feedKey } from '../../client/lib/feed-health';
import { countByState, opdFeedRows } from '../../client/features/feeds/derive';
import type { SinergiSocket } from '../../client/lib/socket';

const NOW = 1_800_000_000_000;

function feed(over: Partial<FeedHealth> = {}): FeedHealth {
  return {
    source: 'sim',
    type: 'simulator',
    opd: 'BPBD',
    expectedIntervalMs: 10_000,
    reportIntervalMs: 15_000,
    lastSuccess: NOW - 1_000,
    lastError: null,
    lastErrorAt: null,
    recordsPerSecond: 1,
    quarantined: 0,
    spoolDepth: 0,
    reportedAt: NOW - 1_000,
    state: 'ok',
    ...over,
  };
}

describe('opdFeedRows', () => {
  it('judges each source locally with feedState, not by the state the server sent', () => {
    expect(opdFeedRows([feed({ state: 'late' })], NOW)[0]!.state).toBe('ok');
    const late = feed({ state: 'ok', lastSuccess: NOW - 60_000, reportedAt: NOW - 5_000 }); // already late when reported
    expect(opdFeedRows([late], NOW)[0]!.state).toBe('late');
    expect(opdFeedRows([late], late.reportedAt + SILENT_AFTER_MS + 1)[0]!.state).toBe('silent');
    expect(opdFeedRows([feed({ lastErrorAt: NOW - 500, lastError: 'boom' })], NOW)[0]!.state).toBe('failing');
  });

  it('a fast feed is not late merely because the next report is not due yet; it is once the report is overdue', () => {
    const h = feed({ expectedIntervalMs: 2_000, reportIntervalMs: 15_000, lastSuccess: NOW - 1_000, reportedAt: NOW });
    // 14 s after a report the last success is 15 s old — more than 3 × 2 s, but the next report is not due yet
    expect(feedState(h, NOW + 14_000)).toBe('ok');
    // no report for 40 s: the feed turns late without any report…
    expect(feedState(h, NOW + 40_000)).toBe('late');
    // …and silent once the worker has been quiet for SILENT_AFTER_MS
    expect(feedState(h, NOW + SILENT_AFTER_MS + 1)).toBe('silent');
  });

  it('a feed already late when reported is late at once', () => {
    const h = feed({ expectedIntervalMs: 2_000, reportIntervalMs: 15_000, lastSuccess: NOW - 30_000, reportedAt: NOW });
    expect(feedState(h, NOW)).toBe('late');
  });

  it('a slow worker report cadence stretches silence', () => {
    const h = feed({ reportIntervalMs: 5 * 60_000, reportedAt: NOW });
    expect(feedState(h, NOW + SILENT_AFTER_MS + 1)).not.toBe('silent');
    expect(feedState(h, NOW + 15 * 60_000 + 1)).toBe('silent');
  });

  it('one row per OPD; the worst source speaks for it (failing > silent > late > ok), worst OPDs first', () => {
    const rows = opdFeedRows(
      [
        feed({ opd: 'DISHUB', source: 'a' }),
        feed({ opd: 'DISHUB', source: 'b', lastSuccess: NOW - 60_000 }), // late
        feed({ opd: 'BPBD', source: 'a' }),
        feed({ opd: 'DLH', source: 'a', lastErrorAt: NOW - 500, lastError: 'ECONNREFUSED' }), // failing
        feed({ opd: 'DLH', source: 'b', reportedAt: NOW - SILENT_AFTER_MS - 1 }), // silent
        feed({ opd: 'BAPPEDA', source: 'a', reportedAt: NOW - SILENT_AFTER_MS - 1 }), // silent
      ],
      NOW,
    );
    expect(rows.map((r) => [r.opd, r.state, r.sources])).toEqual([
      ['DLH', 'failing', 2],
      ['BAPPEDA', 'silent', 1],
      ['DISHUB', 'late', 2],
      ['BPBD', 'ok', 1],
    ]);
    expect(rows[0]).toMatchObject({ source: 'a', lastError: 'ECONNREFUSED' });
    expect(rows[2]!.lastSuccess).toBe(NOW - 60_000);
    expect(countByState(rows)).toEqual({ ok: 1, late: 1, silent: 1, failing: 1 });
  });

  it('among equally bad sources the oldest success is shown (never succeeded counts as oldest)', () => {
    const rows = opdFeedRows(
      [feed({ source: 'a', lastSuccess: NOW - 40_000 }), feed({ source: 'b', lastSuccess: null }), feed({ source: 'c', lastSuccess: NOW - 90_000 })],
      NOW,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'late', source: 'b', lastSuccess: null });
  });
});

describe('FeedsStore', () => {
  it('keeps one entry per source+OPD and never lets an older report overwrite a newer one', () => {
    const s = new FeedsStore();
    s.merge([feed({ reportedAt: NOW, spoolDepth: 1 })]);
    s.merge([feed({ reportedAt: NOW + 15_000, spoolDepth: 2 }), feed({ opd: 'DLH' })]);
    s.merge([feed({ reportedAt: NOW + 1, spoolDepth: 3 })]);
    expect(s.size).toBe(2);
    expect(s.list().find((h) => h.opd === 'BPBD')!.spoolDepth).toBe(2);
  });

  it('is bounded: the longest-unreported entries go first', () => {
    const s = new FeedsStore(3);
    s.merge(Array.from({ length: 5 }, (_, i) => feed({ source: `s${i}`, reportedAt: NOW + i })));
    expect(
      s
        .list()
        .map((h) => h.source)
        .sort(),
    ).toEqual(['s2', 's3', 's4']);
    s.replace(Array.from({ length: 10 }, (_, i) => feed({ source: `r${i}`, reportedAt: NOW + i })));
    expect(s.size).toBe(3);
  });

  it('replace forgets what the server no longer lists but keeps newer pushes from during the request', () => {
    const s = new FeedsStore();
    s.merge([feed({ source: 'gone' }), feed({ source: 'pushed', reportedAt: NOW + 20_000 })]);
    s.replace([feed({ source: 'pushed', reportedAt: NOW }), feed({ source: 'new' })], new Set([feedKey({ source: 'pushed', opd: 'BPBD' })]));
    expect(
      s
        .list()
        .map((h) => [h.source, h.reportedAt])
        .sort(),
    ).toEqual([
      ['new', NOW - 1_000],
      ['pushed', NOW + 20_000],
    ]);
  });
});

describe('feedList', () => {
  it('reads a list as the contract describes it and refuses one that breaks it, naming the field', () => {
    expect(feedList({ feeds: [feed(), feed()] })).toHaveLength(2);
    expect(() => feedList({ feeds: [feed(), { ...feed(), state: 'weird' }] })).toThrow(/feeds\.1\.state/);
    expect(() => feedList({ nope: [] })).toThrow(ApiError);
  });
});

/** Just enough of a socket.io client socket for FeedsSync. */
function fakeSocket() {
  const handlers = new Map<string, Set<(...a: unknown[]) => void>>();
  const sock = {
    connected: false,
    on(ev: string, fn: (...a: unknown[]) => void) {
      if (!handlers.has(ev)) handlers.set(ev, new Set());
      handlers.get(ev)!.add(fn);
      return sock;
    },
    off(ev: string, fn: (...a: unknown[]) => void) {
      handlers.get(ev)?.delete(fn);
      return sock;
    },
    fire(ev: string, ...a: unknown[]) {
      if (ev === 'connect') sock.connected = true;
      if (ev === 'disconnect') sock.connected = false;
      for (const fn of handlers.get(ev) ?? []) fn(...a);
    },
    listeners: (ev: string) => handlers.get(ev)?.size ?? 0,
  };
  return sock;
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('FeedsSync', () => {
  it('fetches on every connect, merges pushes, and a push during the fetch survives the fetch result', async () => {
    const sock = fakeSocket();
    const calls: ReturnType<typeof deferred<FeedHealth[]>>[] = [];
    const sync = new FeedsSync(sock as unknown as SinergiSocket, 'tok', undefined, {
      fetch: (token) => {
        expect(token).toBe('tok');
        const d = deferred<FeedHealth[]>();
        calls.push(d);
        return d.promise;
      },
    });
    expect(sync.store.access).toBe('unknown');
    sock.fire('connect');
    expect(calls).toHaveLength(1);
    sock.fire('feeds:reported', { feeds: [feed({ source: 'pushed', reportedAt: NOW + 5_000 })] });
    expect(sync.store.access).toBe('allowed');
    calls[0]!.resolve([feed({ source: 'pushed', reportedAt: NOW }), feed({ source: 'rest' })]);
    await calls[0]!.promise;
    expect(
      sync.store
        .list()
        .map((h) => [h.source, h.reportedAt])
        .sort(),
    ).toEqual([
      ['pushed', NOW + 5_000],
      ['rest', NOW - 1_000],
    ]);

    // Reconnect: a fresh list replaces everything; a result of the previous connection is ignored.
    sock.fire('disconnect');
    sock.fire('connect');
    expect(calls).toHaveLength(2);
    calls[1]!.resolve([feed({ source: 'only' })]);
    await calls[1]!.promise;
    expect(sync.store.list().map((h) => h.source)).toEqual(['only']);

    sync.close();
    expect(sock.listeners('connect') + sock.listeners('disconnect') + sock.listeners('feeds:reported')).toBe(0);
  });

  it('403 hides the panel for good; other failures retry while connected', async () => {
    const sock = fakeSocket();
    let n = 0;
    const sync = new FeedsSync(sock as unknown as SinergiSocket, 'tok', undefined, {
      retryDelayMs: 5,
      fetch: async () => {
        n++;
        throw new ApiError(n < 3 ? 503 : 403, 'x');
      },
    });
    sock.fire('connect');
    await new Promise((r) => setTimeout(r, 100));
    expect(n).toBe(3);
    expect(sync.store.access).toBe('forbidden');
    sock.fire('disconnect');
    sock.fire('connect');
    await new Promise((r) => setTimeout(r, 20));
    expect(n).toBe(3);
    sync.close();
  });
});
