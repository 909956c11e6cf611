/**
 * Open data: which datasets exist, their metadata and data dictionary (Satu Data Indonesia: one data
 * standard, metadata, interoperability through reference codes), and how their rows are made. Pure: rows in,
 * tables out; the clock and k are arguments.
 *
 * The datasets:
 * - one per publik metric (e.g. `tinggi-muka-air` for water_level): hourly means of the last 7 days per
 *   series (view `hourly`), and every series' latest reading (view `latest`);
 * - `proyek-pembangunan`: physical progress, planned progress and budget absorbed per project (latest);
 * - `aduan-warga-per-kelurahan`: complaints per kelurahan × category for 24h / 7d / 30d, exactly the
 *   k-anonymous counts of the public view (server/public/aggregation.ts): no id, no title, no coordinates.
 *
 * Everything is publik: metrics pass the access rule as the anonymous public, complaints are aggregated.
 */
import { stringify } from 'csv-stringify/sync';
import type { HourlyRow, OpenDataCatalog, OpenDataMetric } from '../../db/queries/opendata';
import type { PublicProjectRow } from '../../db/queries/projects';
import type { MetricSeriesRow } from '../../db/queries/public';
import type { DataClass } from '../../shared/catalog';
import type { Principal } from '../../shared/contract';
import { OPEN_DATA_VIEWS, type OpenDataView } from '../../shared/rest';
import { canRead } from '../access/policy';
import { PERIOD_NAMES, PERIODS, type ComplaintSummary, type Period } from '../public/aggregation';
import type { ComplaintPerformance } from '../public/performance';

/** Times are published in WIB (UTC+7), the offset the day buckets of the store are aligned to. */
export const TIME_OFFSET = '+07:00';
const OFFSET_MS = 7 * 3_600_000;

/** How much hourly history a metric dataset carries. */
export const HOURLY_WINDOW_MS = 7 * 86_400_000;
const HOUR_MS = 3_600_000;

/** The metrics of the project dataset, in column order; they get no dataset of their own. */
export const PROJECT_METRICS = ['project_progress', 'project_progress_plan', 'project_budget_absorbed'] as const;
export const PROJECTS_DATASET_ID = 'proyek-pembangunan';
export const COMPLAINTS_DATASET_ID = 'aduan-warga-per-kelurahan';
export const COMPLAINT_HANDLING_DATASET_ID = 'kinerja-penanganan-aduan';

/** ISO 8601 with the WIB offset, e.g. `2025-03-01T14:00:00+07:00` (milliseconds only when there are some). */
export function isoWib(ms: number): string {
  const s = new Date(ms + OFFSET_MS).toISOString();
  return (ms % 1000 === 0 ? s.slice(0, 19) : s.slice(0, 23)) + TIME_OFFSET;
}

/** Start of the hour containing `ms` (WIB hours start with UTC hours: the offset is whole hours). */
export const hourStart = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** ISO 8601 duration of a number of seconds: `PT10S`, `PT1M`, `PT1H30M`. */
export function isoDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${r ? `${r}S` : ''}`;
}

/** A URL-safe id from a name: `Tinggi muka air` → `tinggi-muka-air`. */
export function slug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/g, '');
}

export type FieldType = 'string' | 'integer' | 'number' | 'datetime';
export type Cell = string | number | null;
export type Row = Record<string, Cell>;

export interface FieldDef {
  field: string;
  type: FieldType;
  unit: string | null;
  /** What the field means, in Bahasa Indonesia and in English. */
  meaning: string;
  meaningEn: string;
  /** The code list the values come from, when there is one. */
  reference?: string;
}

/** One entry of a resource's data dictionary as published. */
export interface DictionaryEntry extends Required<Omit<FieldDef, 'reference'>> {
  reference: string | null;
  classification: DataClass;
  ownerOpd: string;
  /** ISO 8601 duration between updates of the values. */
  updateCadence: string;
}

export type ViewId = OpenDataView;
export const VIEW_IDS: readonly ViewId[] = OPEN_DATA_VIEWS;

export interface ViewDef {
  id: ViewId;
  title: string;
  titleEn: string;
  description: string;
  descriptionEn: string;
  cadenceS: number;
  fields: FieldDef[];
}

export type DatasetSource =
  | { kind: 'metric'; metric: OpenDataMetric }
  | { kind: 'projects'; metrics: OpenDataMetric[] }
  | { kind: 'complaints'; k: number }
  | { kind: 'complaint-handling'; k: number };

export interface DatasetDef {
  id: string;
  title: string;
  titleEn: string;
  description: string;
  descriptionEn: string;
  domain: string;
  owner: { code: string; name: string };
  classification: 'publik';
  /** Seconds between updates of the source data. */
  cadenceS: number;
  keywords: string[];
  /** Epoch ms the data begins (first series created); null when unknown. */
  issued: number | null;
  source: DatasetSource;
  /** The first view is the default one. */
  views: [ViewDef, ...ViewDef[]];
}

const REGION_REFERENCE = 'Kode wilayah administrasi pemerintahan Kemendagri (PP.KK.CC.DDDD)';
const DOMAIN_TAGS: Record<string, string> = {
  floods: 'banjir',
  traffic: 'lalu-lintas',
  sanitation: 'kebersihan',
  projects: 'pembangunan',
  complaints: 'aduan-warga',
};

const PUBLIC: Principal = { role: 'public' };
const isPublik = (m: { code: string; ownerOpd: string; class: string }) =>
  canRead(PUBLIC, { code: m.code, ownerOpd: m.ownerOpd, class: m.class as DataClass }, { agreements: [], now: 0 }).allow;

const f = (field: string, type: FieldType, unit: string | null, meaning: string, meaningEn: string, reference?: string): FieldDef => ({
  field,
  type,
  unit,
  meaning,
  meaningEn,
  ...(reference ? { reference } : {}),
});

const ENTITY = f(
  'entity',
  'string',
  null,
  'Kode titik pengamatan (stasiun, pintu air, ruas jalan, proyek) pada sistem OPD pemilik',
  "Observation point id (station, gate, road segment, project) in the owner OPD's system",
);
const REGION_CODE = f(
  'region_code',
  'string',
  null,
  'Kode wilayah Kemendagri tempat titik pengamatan berada',
  'Kemendagri code of the region the observation point is in',
  REGION_REFERENCE,
);
const REGION_NAME = f(
  'region_name',
  'string',
  null,
  'Nama wilayah (kelurahan/desa) tempat titik pengamatan berada',
  'Name of that region (kelurahan/desa)',
);
const LONGITUDE = f('longitude', 'number', 'degree', 'Bujur titik pengamatan (WGS84)', 'Longitude of the observation point (WGS84)');
const LATITUDE = f('latitude', 'number', 'degree', 'Lintang titik pengamatan (WGS84)', 'Latitude of the observation point (WGS84)');

/** The views of a metric's dataset: hourly history and latest; latest only for a current-only metric (server/public/current-only.ts). */
function metricViews(m: OpenDataMetric): [ViewDef, ...ViewDef[]] {
  const [hourly, latest] = metricViewDefs(m);
  return m.publicHistory === false ? [latest] : [hourly, latest];
}

function metricViewDefs(m: OpenDataMetric): [ViewDef, ViewDef] {
  const unit = f('unit', 'string', null, 'Satuan nilai', 'Unit of the values');
  return [
    {
      id: 'hourly',
      title: `${m.nameId} per jam, 7 hari terakhir`,
      titleEn: `${m.nameEn}, hourly, last 7 days`,
      description: `Rata-rata, minimum dan maksimum ${m.nameId.toLowerCase()} per jam (WIB) untuk setiap titik pengamatan selama 7 hari terakhir; hanya jam yang sudah lengkap. Jam tanpa pembacaan tidak dicantumkan.`,
      descriptionEn: `Hourly (WIB) mean, minimum and maximum of ${m.nameEn.toLowerCase()} at every observation point over the last 7 days; complete hours only. Hours without readings are absent, never filled in.`,
      cadenceS: 3600,
      fields: [
        ENTITY,
        REGION_CODE,
        REGION_NAME,
        f(
          'time',
          'datetime',
          null,
          'Awal jam pengukuran (ISO 8601, WIB +07:00); jam berlaku [time, time + 1 jam)',
          'Start of the hour (ISO 8601, WIB +07:00); the bucket is [time, time + 1 h)',
        ),
        f(
          'value',
          'number',
          m.unit,
          `Rata-rata ${m.nameId.toLowerCase()} dalam jam tersebut (dibulatkan 0,001)`,
          `Mean ${m.nameEn.toLowerCase()} in that hour (rounded to 0.001)`,
        ),
        f('min', 'number', m.unit, 'Nilai terendah dalam jam tersebut', 'Lowest reading in that hour'),
        f('max', 'number', m.unit, 'Nilai tertinggi dalam jam tersebut', 'Highest reading in that hour'),
        f('samples', 'integer', 'count', 'Jumlah pembacaan dalam jam tersebut', 'Number of readings in that hour'),
        unit,
      ],
    },
    {
      id: 'latest',
      title: `${m.nameId}, pembacaan terakhir`,
      titleEn: `${m.nameEn}, latest reading`,
      description: `Pembacaan terakhir ${m.nameId.toLowerCase()} di setiap titik pengamatan, dengan waktunya.`,
      descriptionEn: `The latest reading of ${m.nameEn.toLowerCase()} at every observation point, with its time.`,
      cadenceS: m.cadenceS,
      fields: [
        ENTITY,
        REGION_CODE,
        REGION_NAME,
        LONGITUDE,
        LATITUDE,
        f(
          'time',
          'datetime',
          null,
          'Waktu pembacaan (ISO 8601, WIB +07:00); kosong bila belum ada pembacaan',
          'Time of the reading (ISO 8601, WIB +07:00); empty when there is none yet',
        ),
        f('value', 'number', m.unit, `${m.nameId} pada waktu tersebut`, `${m.nameEn} at that time`),
        unit,
      ],
    },
  ];
}

function complaintViews(k: number, cadenceS: number): [ViewDef, ...ViewDef[]] {
  const count = (field: string, id: string, en: string) =>
    f(
      field,
      'integer',
      'count',
      `${id}. Kosong bila disembunyikan demi anonimitas: jumlah 1 sampai ${k - 1}, atau angka lain yang bisa membuka jumlah sekecil itu lewat hitungan dengan angka terbitan mana pun (total, periode lain, ukuran lain)`,
      `${en}. Empty when suppressed for anonymity: a count of 1 to ${k - 1}, or another figure that would give such a count away by arithmetic with any published figure (totals, other periods, other measures)`,
    );
  const labels: Record<Period, [string, string]> = { '24h': ['24 jam', '24 hours'], '7d': ['7 hari', '7 days'], '30d': ['30 hari', '30 days'] };
  const order: Period[] = ['7d', ...PERIOD_NAMES.filter((p) => p !== '7d')];
  const views = order.map((p): ViewDef => ({
    id: p,
    title: `Aduan warga per kelurahan dan kategori, ${labels[p][0]} terakhir`,
    titleEn: `Citizen complaints per kelurahan and category, last ${labels[p][1]}`,
    description: `Jumlah aduan yang diterima, diselesaikan, dan masih terbuka per kelurahan dan kategori dalam ${labels[p][0]} terakhir; k-anonim (k = ${k}).`,
    descriptionEn: `Complaints received, resolved and still open per kelurahan and category in the last ${labels[p][1]}; k-anonymous (k = ${k}).`,
    cadenceS,
    fields: [
      f(
        'period_start',
        'datetime',
        null,
        'Awal periode (ISO 8601, WIB +07:00); periode berlaku (period_start, period_end]',
        'Start of the period (ISO 8601, WIB +07:00); the period is (period_start, period_end]',
      ),
      f('period_end', 'datetime', null, 'Akhir periode (waktu data dihitung)', 'End of the period (when the counts were taken)'),
      f('kecamatan_code', 'string', null, 'Kode kecamatan Kemendagri', 'Kemendagri code of the kecamatan', REGION_REFERENCE),
      f('kecamatan_name', 'string', null, 'Nama kecamatan', 'Name of the kecamatan'),
      f(
        'kelurahan_code',
        'string',
        null,
        'Kode kelurahan/desa Kemendagri; kosong untuk aduan tanpa wilayah',
        'Kemendagri code of the kelurahan/desa; empty for complaints without a region',
        REGION_REFERENCE,
      ),
      f('kelurahan_name', 'string', null, 'Nama kelurahan/desa', 'Name of the kelurahan/desa'),
      f(
        'category',
        'string',
        null,
        'Kategori aduan (daftar kode tertutup); kosong untuk aduan tanpa kategori',
        'Complaint category (a closed code list); empty for complaints without one',
      ),
      count('received', 'Aduan yang diterima dalam periode', 'Complaints received in the period'),
      count('resolved', 'Aduan yang ditutup (selesai atau ditolak) dalam periode', 'Complaints closed (resolved or rejected) in the period'),
      count('open', 'Aduan yang masih terbuka pada akhir periode', 'Complaints still open at the end of the period'),
      ...(['received', 'resolved', 'open'] as const).map((m) =>
        f(
          `${m}_hidden`,
          'string',
          null,
          `Kosong bila ${m} diterbitkan; "<${k}" bila ${m} disembunyikan dan kurang dari ${k} (termasuk 0); ">=${k}" bila disembunyikan sebagai penutup dan bernilai ${k} atau lebih`,
          `Empty when ${m} is published; "<${k}" when ${m} is hidden and below ${k} (0 included); ">=${k}" when it is hidden as a cover and is ${k} or more`,
        ),
      ),
    ],
  }));
  return views as [ViewDef, ...ViewDef[]];
}

function complaintHandlingViews(k: number, cadenceS: number): [ViewDef, ...ViewDef[]] {
  const labels: Record<Period, [string, string]> = { '24h': ['24 jam', '24 hours'], '7d': ['7 hari', '7 days'], '30d': ['30 hari', '30 days'] };
  const order: Period[] = ['7d', ...PERIOD_NAMES.filter((p) => p !== '7d')];
  const withheld = `Kosong bila jumlah aduan di baliknya disembunyikan atau kurang dari ${k}`;
  const withheldEn = `Empty when the count of complaints behind it is hidden or below ${k}`;
  const views = order.map((p): ViewDef => ({
    id: p,
    title: `Kinerja penanganan aduan per OPD dan kategori, ${labels[p][0]} terakhir`,
    titleEn: `Complaint handling per agency (OPD) and category, last ${labels[p][1]}`,
    description: `Median waktu penyelesaian dan persentase aduan yang selesai dalam target waktu layanan, untuk aduan yang ditutup dalam ${labels[p][0]} terakhir; per OPD penanganan dan kategori, per OPD, dan seluruh kota.`,
    descriptionEn: `Median time to close and share closed within the service-level target, of the complaints closed in the last ${labels[p][1]}; per handling OPD and category, per OPD, and the whole city.`,
    cadenceS,
    fields: [
      f(
        'period_start',
        'datetime',
        null,
        'Awal periode (ISO 8601, WIB +07:00); periode berlaku (period_start, period_end]',
        'Start of the period (ISO 8601, WIB +07:00); the period is (period_start, period_end]',
      ),
      f('period_end', 'datetime', null, 'Akhir periode (waktu data dihitung)', 'End of the period (when the figures were taken)'),
      f(
        'opd_code',
        'string',
        null,
        'Kode OPD yang menangani; kosong pada baris seluruh kota',
        'Code of the handling OPD; empty in the whole-city row',
      ),
      f('opd_name', 'string', null, 'Nama OPD yang menangani', 'Name of the handling OPD'),
      f(
        'category',
        'string',
        null,
        'Kategori aduan; kosong pada baris per OPD dan seluruh kota',
        'Complaint category; empty in the per-OPD and whole-city rows',
      ),
      f(
        'median_hours_to_resolve',
        'number',
        'h',
        `Median waktu dari diterima sampai ditutup. ${withheld}`,
        `Median time from received to closed. ${withheldEn}`,
      ),
      f(
        'share_within_sla',
        'number',
        'ratio',
        `Bagian aduan yang ditutup dalam target waktu layanan (0–1). ${withheld}`,
        `Share of the complaints closed within the service-level target (0–1). ${withheldEn}`,
      ),
      f('sla_target_hours', 'number', 'h', 'Target waktu layanan kategori', 'Service-level target of the category'),
    ],
  }));
  return views as [ViewDef, ...ViewDef[]];
}

/** The handling figures of a public performance answer as rows: a withheld figure is null. */
export function complaintHandlingTable(p: ComplaintPerformance): Row[] {
  return p.groups.map((g) => ({
    period_start: isoWib(p.from),
    period_end: isoWib(p.to),
    opd_code: g.opd,
    opd_name: g.opdName,
    category: g.category,
    median_hours_to_resolve: g.medianHoursToResolve,
    share_within_sla: g.shareWithinSla,
    sla_target_hours: g.slaHours,
  }));
}

/** The datasets the catalog gives: publik metrics only, ids unique and stable while the names stay. */
export function buildDatasets(catalog: OpenDataCatalog, opts: { k: number; cacheMs: number }): DatasetDef[] {
  const opdName = new Map(catalog.opd.map((o) => [o.code, o.name]));
  const owner = (code: string) => ({ code, name: opdName.get(code) ?? code });
  const publik = catalog.metrics.filter(isPublik);
  const out: DatasetDef[] = [];
  const used = new Set<string>([PROJECTS_DATASET_ID, COMPLAINTS_DATASET_ID]);
  const projects = PROJECT_METRICS.map((c) => publik.find((m) => m.code === c)).filter((m): m is OpenDataMetric => !!m);

  for (const m of publik) {
    if (projects.includes(m)) continue;
    let id = slug(m.nameId);
    if (!id || used.has(id)) id = slug(m.code);
    if (used.has(id)) continue; // two metrics with one code cannot exist; defensive
    used.add(id);
    const o = owner(m.ownerOpd);
    out.push({
      id,
      title: m.nameId,
      titleEn: m.nameEn,
      description:
        m.publicHistory === false
          ? `${m.nameId} (${m.unit}) di setiap titik pengamatan ${o.name}: pembacaan terakhir saja (riwayatnya tidak dipublikasikan). Metrik katalog: ${m.code}.`
          : `${m.nameId} (${m.unit}) di setiap titik pengamatan ${o.name}: rata-rata per jam selama 7 hari terakhir dan pembacaan terakhir. Metrik katalog: ${m.code}.`,
      descriptionEn:
        m.publicHistory === false
          ? `${m.nameEn} (${m.unit}) at every observation point of ${o.name}: the latest reading only (its history is not published). Catalog metric: ${m.code}.`
          : `${m.nameEn} (${m.unit}) at every observation point of ${o.name}: hourly means over the last 7 days and the latest reading. Catalog metric: ${m.code}.`,
      domain: m.domain,
      owner: o,
      classification: 'publik',
      cadenceS: m.cadenceS,
      keywords: [...new Set([DOMAIN_TAGS[m.domain] ?? m.domain, slug(m.nameId), m.ownerOpd.toLowerCase()])].filter(Boolean),
      issued: m.firstSeriesAt,
      source: { kind: 'metric', metric: m },
      views: metricViews(m),
    });
  }

  if (projects.length) {
    const lead = projects[0]!;
    const o = owner(lead.ownerOpd);
    const cadenceS = Math.min(...projects.map((m) => m.cadenceS));
    const firsts = projects.map((m) => m.firstSeriesAt).filter((t): t is number => t !== null);
    out.push({
      id: PROJECTS_DATASET_ID,
      title: 'Progres fisik dan serapan anggaran proyek pembangunan',
      titleEn: 'Construction projects: physical progress and budget absorption',
      description: `Progres fisik, rencana progres, dan serapan anggaran terakhir setiap proyek pembangunan (${o.name}). Metrik katalog: ${projects.map((m) => m.code).join(', ')}.`,
      descriptionEn: `Latest physical progress, planned progress and budget absorbed of every construction project (${o.name}). Catalog metrics: ${projects.map((m) => m.code).join(', ')}.`,
      domain: 'projects',
      owner: o,
      classification: 'publik',
      cadenceS,
      keywords: ['pembangunan', 'anggaran', 'proyek', lead.ownerOpd.toLowerCase()],
      issued: firsts.length ? Math.min(...firsts) : null,
      source: { kind: 'projects', metrics: projects },
      views: [
        {
          id: 'latest',
          title: 'Progres proyek pembangunan, data terakhir',
          titleEn: 'Construction projects, latest',
          description: 'Satu baris per proyek: nilai terakhir setiap ukuran; kosong bila proyek belum melaporkannya.',
          descriptionEn: 'One row per project: the latest value of each measure; empty when the project has not reported it.',
          cadenceS,
          fields: [
            f('entity', 'string', null, 'Kode proyek pada sistem OPD pemilik', "Project id in the owner OPD's system"),
            f('name', 'string', null, 'Nama paket pekerjaan', 'Name of the works package'),
            f('opd_code', 'string', null, 'Kode OPD pelaksana', 'Code of the implementing agency (OPD)'),
            f('opd_name', 'string', null, 'Nama OPD pelaksana', 'Name of the implementing agency (OPD)'),
            f('contract_value', 'integer', 'IDR', 'Nilai kontrak', 'Contract value'),
            f('budget', 'integer', 'IDR', 'Pagu anggaran', 'Budget ceiling (pagu anggaran)'),
            f('contract_start', 'string', null, 'Tanggal mulai kontrak (YYYY-MM-DD, WIB)', 'Contract start date (YYYY-MM-DD, WIB)'),
            f('contract_end', 'string', null, 'Tanggal akhir kontrak (YYYY-MM-DD, WIB)', 'Contract end date (YYYY-MM-DD, WIB)'),
            REGION_CODE,
            REGION_NAME,
            LONGITUDE,
            LATITUDE,
            ...projects.map((m) => f(m.code, 'number', m.unit, m.nameId, m.nameEn)),
            f(
              'time',
              'datetime',
              null,
              'Waktu laporan terakhir di antara ukuran-ukuran di atas (ISO 8601, WIB +07:00)',
              'Time of the latest report among the measures above (ISO 8601, WIB +07:00)',
            ),
          ],
        },
      ],
    });
  }

  const complaintOwner = catalog.complaintOwners.length === 1 ? catalog.complaintOwners[0]! : null;
  if (catalog.complaintOwners.length) {
    const o = complaintOwner
      ? owner(complaintOwner)
      : { code: catalog.complaintOwners.join(','), name: catalog.complaintOwners.map((c) => owner(c).name).join('; ') };
    const cadenceS = Math.max(1, Math.round(opts.cacheMs / 1000));
    out.push({
      id: COMPLAINTS_DATASET_ID,
      title: 'Aduan warga per kelurahan dan kategori',
      titleEn: 'Citizen complaints per kelurahan and category',
      description: `Jumlah aduan warga per kelurahan dan kategori untuk 24 jam, 7 hari, dan 30 hari terakhir. Data agregat dan k-anonim (k = ${opts.k}): jumlah kecil disembunyikan, tanpa identitas pelapor, isi aduan, maupun lokasi persis.`,
      descriptionEn: `Citizen complaints per kelurahan and category over the last 24 hours, 7 days and 30 days. Aggregated and k-anonymous (k = ${opts.k}): small counts are suppressed; no reporter, no complaint text, no exact location.`,
      domain: 'complaints',
      owner: o,
      classification: 'publik',
      cadenceS,
      keywords: ['aduan-warga', 'pelayanan-publik', 'kelurahan'],
      issued: null,
      source: { kind: 'complaints', k: opts.k },
      views: complaintViews(opts.k, cadenceS),
    });
    out.push({
      id: COMPLAINT_HANDLING_DATASET_ID,
      title: 'Kinerja penanganan aduan warga per OPD dan kategori',
      titleEn: 'Complaint handling per agency (OPD) and category',
      description: `Median waktu penyelesaian dan persentase aduan yang selesai dalam target waktu layanan, per OPD penanganan dan kategori, untuk 24 jam, 7 hari, dan 30 hari terakhir. Angka dari kurang dari ${opts.k} aduan tidak diterbitkan.`,
      descriptionEn: `Median time to close and share closed within the service-level target, per handling OPD and category, over the last 24 hours, 7 days and 30 days. Figures over fewer than ${opts.k} complaints are not published.`,
      domain: 'complaints',
      owner: o,
      classification: 'publik',
      cadenceS,
      keywords: ['aduan-warga', 'pelayanan-publik', 'kinerja', 'sla'],
      issued: null,
      source: { kind: 'complaint-handling', k: opts.k },
      views: complaintHandlingViews(opts.k, cadenceS),
    });
  }
  return out;
}

/** The published data dictionary of one view. */
export function dictionary(def: DatasetDef, view: ViewDef): DictionaryEntry[] {
  return view.fields.map((x) => ({
    field: x.field,
    type: x.type,
    unit: x.unit,
    meaning: x.meaning,
    meaningEn: x.meaningEn,
    reference: x.reference ?? null,
    classification: def.classification,
    ownerOpd: def.owner.code,
    updateCadence: isoDuration(view.cadenceS),
  }));
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** Rows of a metric's hourly view; the caller loaded complete hours of the window only. */
export function hourlyTable(m: OpenDataMetric, rows: readonly HourlyRow[]): Row[] {
  return rows.map((r) => ({
    entity: r.entity,
    region_code: r.region,
    region_name: r.regionName,
    time: isoWib(r.t),
    value: round3(r.avg),
    min: r.min,
    max: r.max,
    samples: r.n,
    unit: m.unit,
  }));
}

/** Rows of a metric's latest view, from the public view's snapshot of latest readings. */
export function latestTable(m: OpenDataMetric, rows: readonly MetricSeriesRow[]): Row[] {
  return rows
    .filter((r) => r.metric === m.code && r.entity !== null && isPublik({ code: r.metric, ownerOpd: m.ownerOpd, class: r.class }))
    .map((r) => ({
      entity: r.entity,
      region_code: r.region,
      region_name: r.regionName,
      longitude: r.lon,
      latitude: r.lat,
      time: r.t === null ? null : isoWib(r.t),
      value: r.v,
      unit: r.unit,
    }));
}

/** What the project registry (migration 011) says of a project, for the project dataset. */
export type ProjectRegistryRow = Pick<
  PublicProjectRow,
  'id' | 'name' | 'opd' | 'opdName' | 'region' | 'regionName' | 'lon' | 'lat' | 'contractValue' | 'budget' | 'contractStart' | 'contractEnd'
>;

/**
 * One row per project entity with the latest value of each project metric, and what the registry says of it
 * (name, OPD, contract value and period, budget; its place wins over the series'). A registered project
 * without readings yet has a row too.
 */
export function projectTable(
  metrics: readonly OpenDataMetric[],
  rows: readonly MetricSeriesRow[],
  registry: readonly ProjectRegistryRow[] = [],
): Row[] {
  const codes = new Set(metrics.map((m) => m.code));
  const byEntity = new Map<string, { row: Row; t: number | null }>();
  for (const p of registry) {
    const row: Row = {
      entity: p.id,
      name: p.name,
      opd_code: p.opd,
      opd_name: p.opdName,
      contract_value: p.contractValue,
      budget: p.budget,
      contract_start: p.contractStart,
      contract_end: p.contractEnd,
      region_code: p.region,
      region_name: p.regionName,
      longitude: p.lon,
      latitude: p.lat,
    };
    for (const m of metrics) row[m.code] = null;
    byEntity.set(p.id, { row, t: null });
  }
  for (const r of rows) {
    if (!codes.has(r.metric) || r.entity === null || !isPublik({ code: r.metric, ownerOpd: '', class: r.class })) continue;
    let e = byEntity.get(r.entity);
    if (!e) {
      const row: Row = { entity: r.entity, region_code: r.region, region_name: r.regionName, longitude: r.lon, latitude: r.lat };
      for (const m of metrics) row[m.code] = null;
      byEntity.set(r.entity, (e = { row, t: null }));
    }
    e.row.region_code ??= r.region;
    e.row.region_name ??= r.regionName;
    e.row.longitude ??= r.lon;
    e.row.latitude ??= r.lat;
    e.row[r.metric] = r.v;
    if (r.t !== null) e.t = Math.max(e.t ?? r.t, r.t);
  }
  return [...byEntity.keys()].sort().map((k) => {
    const e = byEntity.get(k)!;
    return { ...e.row, time: e.t === null ? null : isoWib(e.t) };
  });
}

/** The cells of a k-anonymous summary as rows: a suppressed count is null, never the count. */
/**
 * Pure: what a reader may know of a hidden count, as the public page shows it: "<k" for a count below k (a small
 * count, or a zero hidden with it), ">=k" for a cover of k or more; null when the count is published.
 */
export function hiddenMarker(c: { suppressed: boolean; lessThan?: number | undefined }, k: number): string | null {
  if (!c.suppressed) return null;
  return c.lessThan !== undefined ? `<${c.lessThan}` : `>=${k}`;
}

export function complaintTable(summary: ComplaintSummary, k: number): Row[] {
  const start = isoWib(summary.from);
  const end = isoWib(summary.to);
  return summary.kelurahan.flatMap((kel) =>
    kel.cells.map((c) => ({
      period_start: start,
      period_end: end,
      kecamatan_code: kel.kecamatanCode,
      kecamatan_name: kel.kecamatanName,
      kelurahan_code: kel.code,
      kelurahan_name: kel.name,
      category: c.category,
      received: c.received.n,
      resolved: c.resolved.n,
      open: c.open.n,
      received_hidden: hiddenMarker(c.received, k),
      resolved_hidden: hiddenMarker(c.resolved, k),
      open_hidden: hiddenMarker(c.open, k),
    })),
  );
}

/** Whether a period view id is a complaint period. */
export const isPeriod = (v: string): v is Period => Object.hasOwn(PERIODS, v);

/**
 * CSV (RFC 4180: header row, CRLF, UTF-8). Text cells that a spreadsheet would run as a formula get a leading
 * apostrophe (OWASP CSV injection); numbers, including negative ones, are written as they are.
 */
export function toCsv(fields: readonly FieldDef[], rows: readonly Row[]): string {
  const text = new Set(fields.filter((x) => x.type === 'string').map((x) => x.field));
  const cols = fields.map((x) => x.field);
  const records = rows.map((r) =>
    cols.map((c) => {
      const v = r[c] ?? null;
      if (v === null) return '';
      if (typeof v === 'string' && text.has(c) && /^[=+\-@\t\r]/.test(v)) return `'${v}`;
      return v;
    }),
  );
  return stringify(records, { header: true, columns: cols, record_delimiter: 'windows' });
}

/** The rows of a view in the order of its fields (JSON download and datastore records). */
export function orderRow(fields: readonly FieldDef[], r: Row): Row {
  const out: Row = {};
  for (const x of fields) out[x.field] = r[x.field] ?? null;
  return out;
}
