/**
 * The demo city's OPD and catalog. A real deployment edits this through the admin CLI;
 * the demo seeds it so every domain has an owner and a mix of publik and terbatas data.
 */
import type { EventCategory, EventKind, EventSla, Metric, Opd, Sop } from '../shared/catalog';

/** What to do per alert level (the same texts migration 030 gives an existing catalog). */
const SOP_WATER_LEVEL: Sop = {
  waspada: { id: 'Pantau tiap 15 menit; siapkan pompa dan petugas pintu air.', en: 'Check every 15 minutes; get pumps and gate crews ready.' },
  siaga: {
    id: 'Nyalakan pompa, buka pintu air sesuai prosedur, kabari lurah dan camat setempat, siapkan posko evakuasi.',
    en: 'Start the pumps, open the sluice gates per procedure, inform the local lurah and camat, prepare the evacuation post.',
  },
  awas: {
    id: 'Perintahkan evakuasi warga bantaran, kerahkan TRC BPBD, kabari Dinas Sosial dan PMI, siarkan peringatan.',
    en: 'Order the evacuation of riverbank residents, deploy the BPBD rapid response team, inform Social Affairs and the Red Cross, broadcast the warning.',
  },
};

const SOP_RAINFALL: Sop = {
  siaga: {
    id: 'Waspadai genangan; cek pompa di titik rawan dan kabari petugas lapangan.',
    en: 'Watch for ponding; check the pumps at flood-prone spots and alert field staff.',
  },
  awas: {
    id: 'Siagakan TRC BPBD di titik rawan banjir; siapkan peringatan dini untuk warga.',
    en: 'Put the BPBD rapid response team on standby at flood-prone spots; prepare an early warning for residents.',
  },
};

const SOP_CONGESTION_INDEX: Sop = {
  siaga: { id: 'Kirim petugas Dishub ke ruas ini; atur lampu lalu lintas.', en: 'Send traffic officers to the segment; adjust the traffic lights.' },
  awas: {
    id: 'Alihkan arus; umumkan jalur alternatif; koordinasi dengan kepolisian.',
    en: 'Divert the traffic; announce alternative routes; coordinate with the police.',
  },
};

const SOP_CONTAINER_FILL: Sop = {
  siaga: { id: 'Jadwalkan pengangkutan kontainer ini hari ini.', en: 'Schedule this container for collection today.' },
  awas: {
    id: 'Kirim truk terdekat sekarang; cegah sampah meluber ke jalan.',
    en: 'Send the nearest truck now; keep waste from spilling onto the road.',
  },
};

export const DEMO_OPD: readonly Opd[] = [
  { code: 'BPBD', name: 'Badan Penanggulangan Bencana Daerah' },
  { code: 'DISHUB', name: 'Dinas Perhubungan' },
  { code: 'DLH', name: 'Dinas Lingkungan Hidup' },
  { code: 'DPUPR', name: 'Dinas Pekerjaan Umum dan Penataan Ruang' },
  { code: 'DISKOMINFO', name: 'Dinas Komunikasi, Informatika, Statistik dan Persandian' },
  { code: 'BAPPEDA', name: 'Badan Perencanaan Pembangunan Daerah' },
];

export const DEMO_METRICS: readonly Metric[] = [
  // floods — BPBD
  {
    code: 'water_level',
    domain: 'floods',
    ownerOpd: 'BPBD',
    class: 'publik',
    unit: 'cm',
    nameId: 'Tinggi muka air',
    nameEn: 'Water level',
    cadenceS: 10,
    thresholds: { waspada: 150, siaga: 200, awas: 250 },
    sop: SOP_WATER_LEVEL,
    valueMin: -1000,
    valueMax: 5000,
  },
  {
    code: 'rainfall',
    domain: 'floods',
    ownerOpd: 'BPBD',
    class: 'publik',
    unit: 'mm/h',
    nameId: 'Curah hujan',
    nameEn: 'Rainfall',
    cadenceS: 10,
    thresholds: { waspada: 10, siaga: 20, awas: 50 },
    sop: SOP_RAINFALL,
    valueMin: 0,
    valueMax: 1000,
  },
  {
    code: 'pump_running',
    domain: 'floods',
    ownerOpd: 'BPBD',
    class: 'terbatas',
    unit: 'ratio',
    nameId: 'Pompa beroperasi',
    nameEn: 'Pumps running',
    cadenceS: 30,
    thresholds: null,
    valueMin: 0,
    valueMax: 1,
  },
  // traffic — Dishub
  {
    code: 'traffic_speed',
    domain: 'traffic',
    ownerOpd: 'DISHUB',
    class: 'publik',
    unit: 'km/h',
    nameId: 'Kecepatan rata-rata',
    nameEn: 'Average speed',
    cadenceS: 10,
    thresholds: null,
    valueMin: 0,
    valueMax: 300,
  },
  {
    code: 'traffic_intensity',
    domain: 'traffic',
    ownerOpd: 'DISHUB',
    class: 'terbatas',
    unit: 'veh/h',
    nameId: 'Volume kendaraan',
    nameEn: 'Traffic intensity',
    cadenceS: 10,
    thresholds: null,
    valueMin: 0,
    valueMax: 1000000,
  },
  {
    code: 'congestion_index',
    domain: 'traffic',
    ownerOpd: 'DISHUB',
    class: 'publik',
    unit: 'ratio',
    nameId: 'Indeks kemacetan',
    nameEn: 'Congestion index',
    cadenceS: 10,
    thresholds: { waspada: 0.6, siaga: 0.75, awas: 0.9 },
    sop: SOP_CONGESTION_INDEX,
    valueMin: 0,
    valueMax: 10,
  },
  // sanitation — DLH
  {
    code: 'truck_load',
    domain: 'sanitation',
    ownerOpd: 'DLH',
    class: 'terbatas',
    unit: 't',
    nameId: 'Muatan truk sampah',
    nameEn: 'Garbage truck load',
    cadenceS: 5,
    thresholds: null,
    valueMin: 0,
    valueMax: 100,
  },
  {
    code: 'container_fill',
    domain: 'sanitation',
    ownerOpd: 'DLH',
    class: 'terbatas',
    unit: 'ratio',
    nameId: 'Keterisian kontainer',
    nameEn: 'Container filling level',
    cadenceS: 60,
    thresholds: { waspada: 0.7, siaga: 0.85, awas: 0.95 },
    sop: SOP_CONTAINER_FILL,
    valueMin: 0,
    valueMax: 2,
  },
  {
    code: 'landfill_intake',
    domain: 'sanitation',
    ownerOpd: 'DLH',
    class: 'publik',
    unit: 't',
    nameId: 'Sampah masuk TPA hari ini',
    nameEn: 'Landfill intake today',
    cadenceS: 60,
    thresholds: null,
    cumulative: true,
    valueMin: 0,
  },
  // projects — Dinas PUPR
  {
    code: 'project_progress',
    domain: 'projects',
    ownerOpd: 'DPUPR',
    class: 'publik',
    unit: '%',
    nameId: 'Progres fisik',
    nameEn: 'Physical progress',
    cadenceS: 60,
    thresholds: null,
    valueMin: 0,
    valueMax: 100,
  },
  {
    code: 'project_progress_plan',
    domain: 'projects',
    ownerOpd: 'DPUPR',
    class: 'publik',
    unit: '%',
    nameId: 'Rencana progres fisik',
    nameEn: 'Planned progress',
    cadenceS: 60,
    thresholds: null,
    valueMin: 0,
    valueMax: 100,
  },
  {
    code: 'project_budget_absorbed',
    domain: 'projects',
    ownerOpd: 'DPUPR',
    class: 'publik',
    unit: 'IDR',
    nameId: 'Serapan anggaran',
    nameEn: 'Budget absorbed',
    cadenceS: 60,
    thresholds: null,
    valueMin: 0,
  },
  // complaints — Diskominfo (counts published by the complaint system; the events themselves are terbatas)
  {
    code: 'complaints_open',
    domain: 'complaints',
    ownerOpd: 'DISKOMINFO',
    class: 'publik',
    unit: 'count',
    nameId: 'Aduan terbuka',
    nameEn: 'Open complaints',
    cadenceS: 30,
    thresholds: null,
    valueMin: 0,
    // its change over a bucket is received − closed: the public gets the current value only (issue 13)
    publicHistory: false,
  },
];

/** The complaint categories with their names (migration 086 writes the same list on existing databases). */
const DEMO_COMPLAINT_CATEGORIES: readonly EventCategory[] = [
  { code: 'jalan_rusak', nameId: 'Jalan rusak', nameEn: 'Damaged road' },
  { code: 'sampah', nameId: 'Sampah', nameEn: 'Garbage' },
  { code: 'banjir', nameId: 'Banjir', nameEn: 'Flooding' },
  { code: 'lampu_jalan', nameId: 'Lampu jalan', nameEn: 'Street lights' },
  { code: 'drainase', nameId: 'Drainase', nameEn: 'Drainage' },
  { code: 'kemacetan', nameId: 'Kemacetan', nameEn: 'Congestion' },
  { code: 'pelayanan_publik', nameId: 'Pelayanan publik', nameEn: 'Public service' },
];

export const DEMO_EVENT_KINDS: readonly EventKind[] = [
  {
    code: 'complaint',
    domain: 'complaints',
    ownerOpd: 'DISKOMINFO',
    class: 'terbatas',
    nameId: 'Aduan warga',
    nameEn: 'Citizen complaint',
    statuses: ['received', 'verified', 'dispatched', 'resolved', 'rejected'],
    closedStatuses: ['resolved', 'rejected'],
    categories: DEMO_COMPLAINT_CATEGORIES,
  },
  {
    code: 'flood_report',
    domain: 'floods',
    ownerOpd: 'BPBD',
    class: 'terbatas',
    nameId: 'Laporan banjir',
    nameEn: 'Flood report',
    statuses: ['reported', 'assessed', 'handled', 'closed'],
    closedStatuses: ['closed'],
  },
  {
    code: 'project_milestone',
    domain: 'projects',
    ownerOpd: 'DPUPR',
    class: 'publik',
    nameId: 'Tahapan proyek',
    nameEn: 'Project milestone',
    statuses: ['planned', 'reached', 'late'],
    closedStatuses: ['reached'],
  },
];

/** Complaint categories (a closed code list; Open311 service codes map onto it). */
export const COMPLAINT_CATEGORIES = ['jalan_rusak', 'sampah', 'banjir', 'lampu_jalan', 'drainase', 'kemacetan', 'pelayanan_publik'] as const;

/** Demo targets (after a typical Perwali on complaint handling: urgent hazards within hours, works within days). */
export const DEMO_EVENT_SLA: readonly EventSla[] = [
  { kind: 'complaint', category: '', targetHours: 72, handlerOpd: null },
  { kind: 'complaint', category: 'jalan_rusak', targetHours: 120, handlerOpd: 'DPUPR' },
  { kind: 'complaint', category: 'drainase', targetHours: 72, handlerOpd: 'DPUPR' },
  { kind: 'complaint', category: 'sampah', targetHours: 24, handlerOpd: 'DLH' },
  { kind: 'complaint', category: 'banjir', targetHours: 12, handlerOpd: 'BPBD' },
  { kind: 'complaint', category: 'lampu_jalan', targetHours: 72, handlerOpd: 'DISHUB' },
  { kind: 'complaint', category: 'kemacetan', targetHours: 6, handlerOpd: 'DISHUB' },
  { kind: 'complaint', category: 'pelayanan_publik', targetHours: 48, handlerOpd: 'DISKOMINFO' },
  { kind: 'flood_report', category: '', targetHours: 24, handlerOpd: null },
  { kind: 'project_milestone', category: '', targetHours: 30 * 24, handlerOpd: null },
];
