/**
 * The server-rendered shell of /public: the page's headline numbers (flood status and warnings, open
 * complaints, traffic, landfill, projects, complaint handling) written into the HTML from the public
 * snapshots, so a phone on a slow network paints real content before any JavaScript arrives. The app
 * (client/citizen) mounts beside it, hidden, and replaces it once its live data is in.
 *
 * Pure: data in, escaped HTML out. No script is added (the CSP allows none inline), only markup.
 */
import type { AlertLevel } from '../../shared/catalog';
import type { MetricSeriesRow } from '../../db/queries/public';
import type { ComplaintSummary } from './aggregation';
import type { ComplaintPerformance } from './performance';
import type { PublicProjects } from './projects';
import type { PublicWarnings } from './warnings';
import type { PublicCount } from './suppression';

export interface ShellData {
  updatedAt: number;
  cityName: string | null;
  floodLevel: AlertLevel | null;
  /** Kecamatan at Waspada or above, worst first. */
  warnings: { name: string; level: Exclude<AlertLevel, 'normal'> }[];
  complaintsOpen: number | null;
  speedKmh: number | null;
  landfillT: number | null;
  projects: { total: number; late: number; contractValue: number };
  /** Counts as published (a hidden one says "< k", or "≥ k" for a cover), with the summary's k. */
  complaints7d: { received: PublicCount; resolved: PublicCount; k: number; medianHours: number | null; shareWithinSla: number | null };
}

const WIB_MS = 7 * 3_600_000;
const CITY_ENTITY = /^(kota|city|total|all|semua)$/i;
const wibDay = (t: number) => Math.floor((t + WIB_MS) / 86_400_000);
const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);

/** Pure: the headline numbers, derived as the page derives them from the same publik data. */
export function shellData(inputs: {
  now: number;
  cityName: string | null;
  metrics: readonly MetricSeriesRow[];
  warnings: PublicWarnings;
  projects: PublicProjects;
  summary7d: ComplaintSummary;
  performance7d: ComplaintPerformance;
}): ShellData {
  const { now, metrics } = inputs;
  const latest = (metric: string) => metrics.filter((r) => r.metric === metric && r.entity !== null && r.v !== null && r.t !== null);
  const open = latest('complaints_open');
  const city = open.find((r) => r.region === null || CITY_ENTITY.test(r.entity!) || /^\d{2}\.\d{2}$/.test(r.region));
  const landfill = latest('landfill_intake');
  const city7d = inputs.performance7d.groups.find((g) => g.opd === null);
  return {
    updatedAt: now,
    cityName: inputs.cityName,
    floodLevel: inputs.warnings.level,
    warnings: inputs.warnings.warnings.map((w) => ({ name: w.name ?? w.code ?? '?', level: w.level })),
    complaintsOpen: city ? city.v : open.length ? open.reduce((s, r) => s + r.v!, 0) : null,
    speedKmh: mean(latest('traffic_speed').map((r) => r.v!)),
    landfillT: landfill.length ? landfill.filter((r) => wibDay(r.t!) === wibDay(now)).reduce((s, r) => s + r.v!, 0) : null,
    projects: {
      total: inputs.projects.projects.length,
      late: inputs.projects.projects.filter((p) => p.late).length,
      contractValue: inputs.projects.projects.reduce((s, p) => s + p.contractValue, 0),
    },
    complaints7d: {
      received: inputs.summary7d.total.received,
      resolved: inputs.summary7d.total.resolved,
      k: inputs.summary7d.k,
      medianHours: city7d?.medianHoursToResolve ?? null,
      shareWithinSla: city7d?.shareWithinSla ?? null,
    },
  };
}

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const LEVEL_ID: Record<AlertLevel, string> = { normal: 'Normal', waspada: 'Waspada', siaga: 'Siaga', awas: 'Awas' };
const nf = (digits: number) => new Intl.NumberFormat('id-ID', { maximumFractionDigits: digits });
const num = (v: number | null, digits = 0) => (v === null || !Number.isFinite(v) ? '–' : nf(digits).format(v));
const rupiah = (v: number) =>
  new Intl.NumberFormat('id-ID', { style: 'currency', currency: 'IDR', notation: 'compact', maximumFractionDigits: 1 }).format(v);
const time = (t: number) =>
  `${new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Jakarta', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t)} WIB`;

/** Pure: the shell's markup (Bahasa Indonesia, the page's default), every text escaped. */
export function renderShell(d: ShellData): string {
  const e = escapeHtml;
  const tile = (id: string, label: string, value: string, tone = 'normal') =>
    `<div class="pub-tile tone-${tone}" data-testid="${id}"><span class="tile-label">${e(label)}</span><span class="tile-value">${e(value)}</span></div>`;
  const level = d.floodLevel;
  const banner = d.warnings.length
    ? `<section class="pub-card warn-banner tone-${d.warnings[0]!.level}" aria-labelledby="shell-warn"><h2 id="shell-warn">Peringatan banjir saat ini</h2><ul>${d.warnings
        .map((w) => `<li><strong>${e(LEVEL_ID[w.level])}</strong> · Kec. ${e(w.name)}</li>`)
        .join('')}</ul></section>`
    : '';
  const c = d.complaints7d;
  const pct = (s: number | null) => (s === null ? '–' : `${nf(0).format(s * 100)}%`);
  // a hidden count says what it is: "< 5" (small, or a zero hidden with one), "≥ 5" (a larger one hidden with one)
  const count = (x: PublicCount) => (!x.suppressed ? num(x.n) : x.lessThan !== undefined ? `< ${num(x.lessThan)}` : `≥ ${num(c.k)}`);
  return [
    `<div class="pub pub-shell" id="shell" data-testid="public-shell">`,
    `<header class="pub-header"><div class="pub-header-row"><h1 data-testid="public-title">${e(`Sinergi — Data Publik ${d.cityName ?? 'Kota Semarang'}`)}</h1></div>`,
    `<p class="pub-intro">Data langsung dari perangkat daerah: peringatan banjir, lalu lintas, kebersihan, aduan warga, dan pembangunan.</p></header>`,
    `<main>`,
    banner,
    `<section class="pub-summary" aria-label="Ringkasan">`,
    tile('kpi-flood-status', 'Status banjir', level ? LEVEL_ID[level] : '–', level ?? 'normal'),
    tile('kpi-complaints-open', 'Aduan yang sedang ditangani', num(d.complaintsOpen)),
    tile('kpi-traffic-speed', 'Kecepatan rata-rata', d.speedKmh === null ? '–' : `${num(d.speedKmh)} km/jam`),
    tile('kpi-landfill-intake', 'Sampah masuk TPA hari ini', d.landfillT === null ? '–' : `${num(d.landfillT, 1)} t`),
    `</section>`,
    `<section class="pub-card" aria-labelledby="shell-proj"><h2 id="shell-proj">Proyek pembangunan</h2>`,
    `<p data-testid="shell-projects">${e(`${num(d.projects.total)} proyek, ${num(d.projects.late)} terlambat · nilai kontrak ${d.projects.total ? rupiah(d.projects.contractValue) : '–'}`)}</p></section>`,
    `<section class="pub-card" aria-labelledby="shell-aduan"><h2 id="shell-aduan">Aduan warga, 7 hari</h2>`,
    `<p data-testid="shell-complaints">${e(`Masuk ${count(c.received)} · selesai ${count(c.resolved)} · median waktu selesai ${c.medianHours === null ? '–' : `${num(c.medianHours, 1)} jam`} · ${pct(c.shareWithinSla)} selesai dalam target`)}</p></section>`,
    `<p class="card-note" role="status">${e(`Diperbarui ${time(d.updatedAt)} · memuat data langsung…`)}</p>`,
    `</main></div>`,
  ].join('');
}

/** JSON that is safe inside a `<script type="application/json">` data block (no `</script>`, no `<!--`). */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Puts the shell into the built page: before `<div id="root">`, which gets `hidden` until the app has its
 * data (client/citizen/shell.ts reveals it and removes the shell). The headline numbers also go in as a JSON
 * data block (`type="application/json"`: never executed, so the CSP's script-src does not apply), which the
 * app's tiles show until their live values arrive. Throws when the template has no root.
 */
export function injectShell(template: string, shell: string, initial?: ShellData): string {
  const root = '<div id="root"></div>';
  if (!template.includes(root)) throw new Error('public page template has no <div id="root"></div>');
  const data = initial ? `<script type="application/json" id="public-initial">${jsonForHtml(initial)}</script>` : '';
  // a function, so `$&` or `$'` in a name (regions, projects) is inserted as written, not as a replacement pattern
  return template.replace(root, () => `${shell}${data}<div id="root" hidden></div>`);
}
