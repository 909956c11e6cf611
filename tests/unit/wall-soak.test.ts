/**
 * Two simulated days of the demo city at the simulator's full rate through the wall's client buffers (see
 * tests/support/wall-soak.ts): everything the page keeps stays within its bounds, the second day holds what
 * the first held at the same hour, and the density map holds exactly the open complaints it was told about.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_METRICS } from '../../demo/catalog';
import { defaultLiveOptions } from '../../client/lib/live-options';
import { DEFAULT_TRAIL_OPTIONS } from '../../client/features/sanitation/trails';
import { WALL_EVENT_KINDS } from '../../client/wall/subscription';
import { soakWallBuffers, type SoakHour } from '../support/wall-soak';

describe('the wall left running for two simulated days', () => {
  let hours: SoakHour[];
  beforeAll(async () => {
    hours = await soakWallBuffers({ hours: 48 });
  }, 120_000);

  it('received the simulator at its full rate throughout', () => {
    expect(hours).toHaveLength(48);
    const perHour = hours.map((h, i) => h.delivered - (hours[i - 1]?.delivered ?? 0));
    expect(Math.min(...perHour)).toBeGreaterThan(40_000);
  });

  it('keeps every series buffer at its steady size: an hour of minute points plus the raw window', () => {
    const o = defaultLiveOptions();
    const fastest = Math.min(...DEMO_METRICS.map((m) => m.cadenceS));
    const steady = o.maxAgeMs / 60_000 + (o.rawWindowMs + 60_000) / (fastest * 1000) + 2;
    for (const h of hours.slice(1)) expect(h.maxSeriesPoints, `hour ${h.hour}`).toBeLessThanOrEqual(steady);
  });

  it('holds on day two what it held at the same hour of day one (after the first hour, which fills the buffers)', () => {
    for (const h of hours.slice(25)) {
      const d1 = hours[h.hour - 25]!;
      expect(h.series, `hour ${h.hour}`).toBe(d1.series);
      expect(h.points, `hour ${h.hour}`).toBeLessThanOrEqual(Math.ceil(d1.points * 1.02));
      expect(h.trails, `hour ${h.hour}`).toBeLessThanOrEqual(d1.trails);
    }
  });

  it('keeps the open complaints and flood reports it saw on the density map, and no closed one', () => {
    for (const h of hours) expect(h.located, `hour ${h.hour}`).toBe(h.locatedOpenTruth);
    // the city's open backlog, not everything ever reported
    expect(Math.max(...hours.map((h) => h.located))).toBeLessThan(2_000);
  });

  it('keeps events, alerts and trails within their bounds', () => {
    const o = defaultLiveOptions();
    for (const h of hours) {
      expect(h.recentEvents).toBeLessThanOrEqual(o.maxRecentEvents * WALL_EVENT_KINDS.length);
      expect(h.knownEvents).toBeLessThanOrEqual(o.maxRecentEvents * 20 * WALL_EVENT_KINDS.length);
      expect(h.alerts).toBeLessThanOrEqual(200);
      expect(h.trailPoints).toBeLessThanOrEqual(h.trails * DEFAULT_TRAIL_OPTIONS.maxPoints);
    }
    // the complaints' remembered statuses fill up to their bound on the first day and stay there, not beyond
    for (const h of hours.slice(24)) expect(h.knownEvents, `hour ${h.hour}`).toBeGreaterThanOrEqual(o.maxRecentEvents * 20);
  });
});
