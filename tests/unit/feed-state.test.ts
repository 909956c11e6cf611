import { describe, expect, it } from 'vitest';
import { feedState, SILENT_AFTER_MS, type FeedHealth } from '../../shared/feed-state';
import { feedList } from '../../client/lib/api/feeds';
import { FeedsStore, FeedsSync, feedKey } from '../../client/lib/feed-health';
import { countByState, opdFeedRows } from '../../client/features/feeds/derive';
import type { SinergiSocket } from '../../client/lib/socket';
import { FakeSocket, tick } from '../support/fake-socket';
import { ApiError } from '../../client/lib/api/http';

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

  it('a worker whose spool cannot write is spool_full, worse than failing; silence still wins once it stops reporting', () => {
    const h = feed({ spoolFull: true, lastErrorAt: NOW - 500, lastError: 'ENOSPC', reportedAt: NOW });
    expect(feedState(h, NOW)).toBe('spool_full');
    expect(feedState(h, NOW + SILENT_AFTER_MS + 1)).toBe('silent');
    const rows = opdFeedRows([feed({ source: 'a', lastErrorAt: NOW - 500, lastError: 'boom' }), feed({ source: 'b', spoolFull: true })], NOW);
    expect(rows.map((r) => [r.state, r.source])).toEqual([['spool_full', 'b']]);
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
    expect(countByState(rows)).toEqual({ ok: 1, late: 1, silent: 1, failing: 1, spool_full: 0 });
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

describe('FeedsSync (the sync engine with the feeds channel)', () => {
  it('subscribes on every connect, applies reports in sequence, and a report during the subscription survives its answer', async () => {
    const sock = new FakeSocket();
    const sync = new FeedsSync(sock as unknown as SinergiSocket);
    expect(sync.store.access).toBe('unknown');
    sock.connect();
    expect(sock.requests.map((r) => r.event)).toEqual(['feeds:subscribe']);
    sock.push('feeds:reported', { seq: 4, feeds: [feed({ source: 'pushed', reportedAt: NOW + 5_000 })] });
    sock.answer(0, {
      ok: true,
      data: { serverTime: NOW, seq: 3, epoch: 'e1', resumed: [], feeds: [feed({ source: 'pushed', reportedAt: NOW }), feed({ source: 'rest' })] },
    });
    await tick();
    expect(sync.store.access).toBe('allowed');
    expect(
      sync.store
        .list()
        .map((h) => [h.source, h.reportedAt])
        .sort(),
    ).toEqual([
      ['pushed', NOW + 5_000],
      ['rest', NOW - 1_000],
    ]);
    sync.close();
    expect(sock.listenerCount()).toBe(0);
  });

  it('forbidden hides the panel for good; other failures retry while connected', async () => {
    const sock = new FakeSocket();
    const sync = new FeedsSync(sock as unknown as SinergiSocket, undefined, { retryDelayMs: 5 });
    sock.connect();
    sock.answer(0, { ok: false, error: { code: 'unavailable', message: 'x' } });
    await new Promise((r) => setTimeout(r, 30));
    expect(sock.requests).toHaveLength(2);
    sock.answer(1, { ok: false, error: { code: 'forbidden', message: 'operators only' } });
    await new Promise((r) => setTimeout(r, 30));
    expect(sync.store.access).toBe('forbidden');
    expect(sock.requests).toHaveLength(2);
    sync.close();
  });
});
