/**
 * The joint complaint publication off the event loop (server/public/publication-pool.ts): a real worker thread
 * answers exactly what publishComplaints answers inline, keeps its queue bounded, and a worker that dies fails
 * its jobs and is replaced by the next job's. Correctness only: the event loop's delay is measured by
 * bench:public, not here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ComplaintRow, RegionInfo } from '../../db/queries/public';
import { publishComplaints } from '../../server/public/publication';
import { createPublisher, type Publisher } from '../../server/public/publication-pool';

const NOW = Date.UTC(2026, 11, 6, 6, 0);
const DAY = 86_400_000;
const REGIONS = new Map<string, RegionInfo>([
  ['33.74.01.1001', { code: '33.74.01.1001', name: 'Sekayu', parent: '33.74.01', parentName: 'Semarang Tengah', centroid: [110.41, -6.98] }],
]);

/** A city whose small counts force hiding (deterministic). */
function rows(n: number): ComplaintRow[] {
  const regions = ['33.74.01.1001', '33.74.01.1002', '33.74.02.1001', '33.74.02.1002', '33.74.03.1001', null];
  const cats = ['sampah', 'banjir', 'jalan_rusak', 'lampu_jalan', null];
  return Array.from({ length: n }, (_, i) => {
    const openedAt = NOW - ((i * 7919) % (35 * DAY));
    return {
      region: regions[(i * i + (i >> 3)) % regions.length]!,
      category: cats[(i * 7 + (i >> 2)) % cats.length]!,
      openedAt,
      closedAt: i % 3 === 0 ? null : Math.min(NOW, openedAt + ((i * 104_729) % (4 * DAY)) + 1),
      opd: 'DLH',
      opdName: 'DLH',
      slaHours: 48,
      rejected: i % 17 === 0,
    };
  });
}

let publisher: Publisher | null = null;
afterEach(async () => {
  await publisher?.close();
  publisher = null;
});

describe('the publication worker', () => {
  it('answers what the inline rule answers, hidden counts and all', async () => {
    publisher = createPublisher();
    const data = rows(90);
    const inline = publishComplaints(data, { k: 5, now: NOW, regions: REGIONS });
    expect(inline.disclosure.hidden).toBeGreaterThan(0); // the case is one where something is hidden
    const viaWorker = await publisher.publish(data, { k: 5, now: NOW, regions: REGIONS });
    expect(viaWorker).toEqual(inline);
    // a second job on the same worker, other data
    const small = rows(40);
    expect(await publisher.publish(small, { k: 5, now: NOW, regions: new Map() })).toEqual(
      publishComplaints(small, { k: 5, now: NOW, regions: new Map() }),
    );
    expect(publisher.queued).toBe(0);
  });

  it('refuses a job past its bound at once, and still answers the ones it holds', async () => {
    publisher = createPublisher({ maxQueued: 2 });
    const data = rows(200);
    const a = publisher.publish(data, { k: 5, now: NOW, regions: REGIONS });
    const b = publisher.publish(data, { k: 5, now: NOW, regions: REGIONS });
    await expect(publisher.publish(data, { k: 5, now: NOW, regions: REGIONS })).rejects.toThrow(/queue full/);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toEqual(rb);
    expect(publisher.queued).toBe(0);
  });

  it('fails the jobs of a worker that ends, and the next job starts a new one', async () => {
    publisher = createPublisher();
    const data = rows(100);
    await publisher.publish(data, { k: 5, now: NOW, regions: REGIONS }); // the worker is up
    const held = expect(publisher.publish(data, { k: 5, now: NOW, regions: REGIONS })).rejects.toThrow();
    await publisher.close(); // ends the worker with a job in it
    await held;
    expect(await publisher.publish(data, { k: 5, now: NOW, regions: REGIONS })).toEqual(
      publishComplaints(data, { k: 5, now: NOW, regions: REGIONS }),
    );
  });
});
