/**
 * Pure parts of the public complaint handling, the project registry view and the server-rendered shell:
 * buckets on WIB boundaries that partition the period, medians and SLA shares withheld below k, the late
 * flag, and a shell whose every text is escaped.
 */
import { describe, expect, it } from 'vitest';
import type { ComplaintRow } from '../../server/public/aggregation';
import { complaintPerformance } from '../../server/public/publication';
import { publicProjects as serverProjects } from '../../server/public/projects';
import { escapeHtml, injectShell, jsonForHtml, renderShell, type ShellData } from '../../server/public/shell';
import { readInitial } from '../../client/citizen/shell';
import { projectsOf } from '../../client/citizen/projects-api';
import { publicProjects } from '../../client/citizen/projects';

const H = 3_600_000;
const D = 24 * H;
// 2026-11-22 13:30 WIB
const NOW = Date.UTC(2026, 10, 22, 6, 30);

const row = (category: string, opd: string, openedAgoH: number, hoursToClose: number | null, slaHours: number | null = 24): ComplaintRow => ({
  region: '33.74.01.1001',
  category,
  openedAt: NOW - openedAgoH * H,
  closedAt: hoursToClose === null ? null : NOW - openedAgoH * H + hoursToClose * H,
  opd,
  opdName: `Dinas ${opd}`,
  slaHours,
});

describe('complaint performance', () => {
  const rows: ComplaintRow[] = [
    // six sampah complaints closed in 2, 4, …, 12 h (target 24 h; one of them takes 30 h)
    ...[2, 4, 6, 8, 10, 30].map((h, i) => row('sampah', 'DLH', 40 + i, h)),
    // three kemacetan closed (target 6 h): fewer than k
    ...[1, 3, 9].map((h, i) => row('kemacetan', 'DISHUB', 20 + i, h, 6)),
    // one still open, one received before the period
    row('sampah', 'DLH', 5, null),
    row('sampah', 'DLH', 8 * 24, 1),
  ];
  const p = complaintPerformance(rows, { period: '7d', k: 5, now: NOW });

  it('partitions the period into WIB days, the first and last partial', () => {
    expect(p.buckets[0]!.from).toBe(NOW - 7 * D);
    expect(p.buckets.at(-1)!.to).toBe(NOW);
    for (let i = 1; i < p.buckets.length; i++) {
      expect(p.buckets[i]!.from).toBe(p.buckets[i - 1]!.to);
      expect((p.buckets[i]!.from + 7 * H) % D).toBe(0); // 00:00 WIB
    }
    expect(p.buckets).toHaveLength(8);
    expect(p.total.received).toEqual({ n: 10, suppressed: false });
    expect(p.total.resolved).toEqual({ n: 9, suppressed: false });
  });

  it('never shows a bucket below k, nor one that would give a hidden one away', () => {
    const shown = p.buckets.flatMap((b) => (b.received.suppressed ? [] : [b.received.n!]));
    for (const n of shown) expect(n === 0 || n >= 5).toBe(true);
    const hidden = p.buckets.filter((b) => b.received.suppressed).length;
    expect(hidden).toBeGreaterThanOrEqual(2); // one hidden cell would equal the total minus the rest
  });

  it('withholds medians and shares over fewer than k complaints', () => {
    const g = (opd: string | null, category: string | null) => p.groups.find((x) => x.opd === opd && x.category === category)!;
    // 2, 4, 6, 8, 10, 30 h (the one received 8 days ago closed outside the period)
    // six closed: the median only where the count behind it is published; no share, as one of the six
    // missed its target (1 < k: the share would give that one complaint away)
    const sampah = g('DLH', 'sampah');
    expect(sampah).toMatchObject({ shareWithinSla: null, slaHours: 24, suppressed: true });
    expect([null, 7]).toContain(sampah.medianHoursToResolve);
    expect(g('DISHUB', 'kemacetan')).toMatchObject({ medianHoursToResolve: null, shareWithinSla: null, suppressed: true });
    expect(g('DISHUB', null)).toMatchObject({ medianHoursToResolve: null, suppressed: true });
    // the city: 1, 2, 3, 4, 6, 8, 9, 10, 30 → 6; within target: 5 of 6 sampah, 2 of 3 kemacetan
    // the city's median is there exactly when the city's resolved total is
    expect(g(null, null).medianHoursToResolve).toBe(p.total.resolved.suppressed ? null : 6);
    // each OPD's row first, then its categories, the city last
    expect(p.groups.map((x) => `${x.opd}/${x.category}`)).toEqual(['DISHUB/null', 'DISHUB/kemacetan', 'DLH/null', 'DLH/sampah', 'null/null']);
  });

  it('re-running gives the same answer', () => {
    expect(complaintPerformance(rows, { period: '7d', k: 5, now: NOW })).toEqual(p);
    expect(complaintPerformance([...rows].reverse(), { period: '7d', k: 5, now: NOW })).toEqual(p);
  });

  it('uses 4-hour blocks for 24 hours', () => {
    const q = complaintPerformance(rows, { period: '24h', k: 5, now: NOW });
    expect(q.bucketMs).toBe(4 * H);
    for (const b of q.buckets.slice(1)) expect((b.from + 7 * H) % (4 * H)).toBe(0);
  });
});

describe('projects', () => {
  const reg = {
    id: 'PRJ-1',
    name: 'Jembatan <Baru>',
    opd: 'DPUPR',
    opdName: 'Dinas PU',
    region: '33.74.01.1001',
    regionName: 'Sekayu',
    kecamatan: '33.74.01',
    kecamatanName: 'Semarang Tengah',
    lon: 110.4,
    lat: -7,
    contractValue: 10_000_000_000,
    budget: 12_000_000_000,
    contractStart: '2026-03-02',
    contractEnd: '2026-12-28',
    updatedAt: NOW - D,
    progress: 40,
    progressT: NOW - H,
    plan: 55,
    planT: NOW - H,
    budgetAbsorbed: 3_000_000_000,
    budgetAbsorbedT: NOW - 2 * H,
  };

  it('flags a project more than 10 points behind as late, and gives serapan as a share of the budget', () => {
    const [p] = serverProjects([reg], NOW).projects;
    expect(p).toMatchObject({ late: true, absorbedShare: 0.25, t: NOW - H });
    expect(serverProjects([{ ...reg, plan: 50 }], NOW).projects[0]!.late).toBe(false); // exactly 10 behind
    expect(serverProjects([{ ...reg, budget: null }], NOW).projects[0]!.absorbedShare).toBe(0.3);
  });

  it('merges the registry into the page project list; a registered project without readings is listed', () => {
    // the client reads exactly what the server's function answers (the REST contract between them)
    const registry = projectsOf(serverProjects([{ ...reg, id: 'PRJ-2', progress: null, plan: null, budgetAbsorbed: null }], NOW));
    expect(registry).toHaveLength(1);
    expect(() => projectsOf({ updatedAt: NOW, lateMarginPts: 10, projects: [{ id: 'bad' }] })).toThrow(/projects\.0\.name/);
    const lookup = { name: () => undefined, parent: () => undefined };
    const live = [{ entity: 'PRJ-9', region: null, lon: null, lat: null, progress: 10, plan: 12, budget: null, behind: false, t: NOW }];
    const list = publicProjects(live, lookup, 'DPUPR', 10, registry);
    expect(list.map((x) => [x.entity, x.name, x.contractValue])).toEqual([
      ['PRJ-9', null, null],
      ['PRJ-2', 'Jembatan <Baru>', 10_000_000_000],
    ]);
    expect(list[1]).toMatchObject({
      contractStart: '2026-03-02',
      contractEnd: '2026-12-28',
      budgetCeiling: 12_000_000_000,
      status: 'unknown',
      kecamatan: '33.74.01',
    });
  });
});

describe('the server-rendered shell', () => {
  const d: ShellData = {
    updatedAt: NOW,
    cityName: 'Kota <script>alert(1)</script>',
    floodLevel: 'siaga',
    warnings: [{ name: 'Semarang "Utara"', level: 'siaga' }],
    complaintsOpen: 1234,
    speedKmh: 31.4,
    landfillT: 418.44,
    projects: { total: 12, late: 3, contractValue: 250_000_000_000 },
    complaints7d: {
      received: { n: 840, suppressed: false },
      resolved: { n: 790, suppressed: false },
      k: 5,
      medianHours: 5.25,
      shareWithinSla: 0.875,
    },
  };

  it('writes the numbers in Bahasa Indonesia, with every text escaped', () => {
    const html = renderShell(d);
    expect(html).not.toContain('<script');
    expect(html).toContain('Kota &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Semarang &quot;Utara&quot;');
    expect(html).toMatch(/kpi-complaints-open.*1\.234/);
    expect(html).toMatch(/kpi-traffic-speed.*31 km\/jam/);
    expect(html).toMatch(/418,4 t/);
    expect(html).toMatch(/12 proyek, 3 terlambat/);
    expect(html).toMatch(/Masuk 840 · selesai 790 · median waktu selesai 5,3 jam · 88%/);
    expect(html).toMatch(/Diperbarui 13\.30 WIB/);
    // a hidden count is written "< 5", never "–"
    const hidden = renderShell({ ...d, complaints7d: { ...d.complaints7d, resolved: { n: null, suppressed: true, lessThan: 5 } } });
    expect(hidden).toMatch(/Masuk 840 · selesai &lt; 5 ·/);
    const cover = renderShell({ ...d, complaints7d: { ...d.complaints7d, resolved: { n: null, suppressed: true } } });
    expect(cover).toMatch(/selesai ≥ 5 ·/);
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('goes in front of a hidden root, and refuses a template without one', () => {
    const page = injectShell('<body><div id="root"></div><script type="module" src="/a.js"></script></body>', '<div id="shell">x</div>');
    expect(page).toBe('<body><div id="shell">x</div><div id="root" hidden></div><script type="module" src="/a.js"></script></body>');
    expect(() => injectShell('<body></body>', 'x')).toThrow(/root/);
    // replacement patterns in a name are text, not instructions
    expect(injectShell('<a><div id="root"></div></a>', "<p>$& $' $`</p>")).toBe(`<a><p>$& $' $\`</p><div id="root" hidden></div></a>`);
  });

  it('carries the numbers as a JSON data block that no text can break out of, and the app reads it back', () => {
    const page = injectShell('<div id="root"></div>', '', d);
    const block = /<script type="application\/json" id="public-initial">(.*?)<\/script>/s.exec(page)![1]!;
    expect(block).not.toMatch(/[<>&]/);
    expect(JSON.parse(block)).toEqual(d);
    expect(JSON.parse(jsonForHtml({ s: '</script><!-- \u2028 & >' }))).toEqual({ s: '</script><!-- \u2028 & >' });
    const doc = { getElementById: (id: string) => (id === 'public-initial' ? ({ textContent: block } as HTMLElement) : null) };
    expect(readInitial(doc)).toEqual({ updatedAt: NOW, floodLevel: 'siaga', complaintsOpen: 1234, speedKmh: 31.4, landfillT: 418.44 });
    expect(readInitial({ getElementById: () => ({ textContent: '{"updatedAt":"x"}' }) as unknown as HTMLElement })).toBeNull();
    expect(readInitial({ getElementById: () => ({ textContent: 'not json' }) as unknown as HTMLElement })).toBeNull();
  });
});
