/**
 * The API page (/api/docs) in Bahasa Indonesia, the default (issue 21): the page's own words, the document's
 * introduction, the tags, the authorization schemes and the summaries of every operation a citizen, a Satu
 * Data portal or an OPD integrator starts with (public, open data, CKAN, ingest, health). An operation without
 * a translation keeps its English text, marked `lang="en"` so a screen reader reads it as English.
 */

export type DocsLang = 'id' | 'en';

/** The page's own words. */
export const PAGE_WORDS: Record<DocsLang, Record<string, string>> = {
  en: {
    document: 'OpenAPI {v} document',
    authorization: 'Authorization',
    endpoints: 'Endpoints',
    schemas: 'Schemas',
    parameters: 'Parameters',
    requestBody: 'Request body',
    optional: ' (optional)',
    responses: 'Responses',
    name: 'name',
    in: 'in',
    required: 'required',
    schema: 'schema',
    description: 'description',
    status: 'status',
    meaning: 'meaning',
    body: 'body',
    scheme: 'scheme',
    type: 'type',
    yes: 'yes',
    no: 'no',
    none: 'none',
    anonymous: 'anonymous',
    or: ' or ',
    switch: 'Bahasa Indonesia',
  },
  id: {
    document: 'Dokumen OpenAPI {v}',
    authorization: 'Otorisasi',
    endpoints: 'Daftar endpoint',
    schemas: 'Skema',
    parameters: 'Parameter',
    requestBody: 'Isi permintaan',
    optional: ' (opsional)',
    responses: 'Jawaban',
    name: 'nama',
    in: 'letak',
    required: 'wajib',
    schema: 'skema',
    description: 'keterangan',
    status: 'status',
    meaning: 'arti',
    body: 'isi',
    scheme: 'skema',
    type: 'jenis',
    yes: 'ya',
    no: 'tidak',
    none: 'tidak ada',
    anonymous: 'anonim',
    or: ' atau ',
    switch: 'English',
  },
};

export const INFO_ID = {
  summary: 'Pusat komando waktu nyata pemerintah daerah: endpoint ingest, OPD, publik, dan data terbuka.',
  description: [
    'Setiap OPD mengirim data langsungnya melalui endpoint ingest (satu kunci ingest per OPD); pusat komando dan OPD membaca melalui endpoint OPD (token sesi atau perangkat; aturan akses berlaku: publik, terbatas dan rahasia, perjanjian berbagi dengan tujuan); warga membaca endpoint publik (hanya data publik, aduan hanya sebagai hitungan k-anonim: angka di bawah k ditulis "< k"); data terbuka dapat diunduh sebagai CSV dan JSON dengan kamus data dan lisensi, dan dipanen melalui API yang kompatibel dengan CKAN.',
    'Galat berbentuk `{ error, details: [ { index, path, message } ] }` (endpoint CKAN: amplop CKAN sendiri).',
    'Data langsung lewat socket.io: namespace `/public` (tanpa login, hanya data publik) dan `/live` (`auth: { token }`).',
    'Setiap jawaban API dikompresi (gzip atau br) bila klien memintanya dengan `Accept-Encoding`.',
  ].join('\n\n'),
};

export const TAGS_ID: Record<string, string> = {
  Health: 'Kesehatan layanan: hidup dan siap',
  Ingest: 'Sistem OPD dan pekerja ingest (kunci ingest)',
  Agency: 'Pusat komando dan OPD (token; aturan akses berlaku)',
  Auth: 'Sesi',
  Operations: 'Admin dan operator',
  Public: 'Warga: hanya data publik, teragregasi',
  'Open data': 'Unduhan Satu Data Indonesia: CSV dan JSON dengan kamus data dan lisensi',
  CKAN: 'API aksi CKAN v3 (baca saja) untuk dipanen portal Satu Data',
  Documentation: 'Dokumen ini',
};

export const SECURITY_ID: Record<string, string> = {
  ingestKey: 'Kunci ingest satu OPD (`npm run admin -- …`); hanya dapat menulis data OPD itu.',
  accessToken: 'Token sesi dari POST /api/v1/auth/login, atau token perangkat.',
  metricsToken: 'METRICS_TOKEN dari konfigurasi server, untuk Prometheus di mesin lain.',
};

/** Operation summaries by operationId (CKAN operations: `ckan_<action>_<get|post>`, looked up by action). */
export const SUMMARIES_ID: Record<string, string> = {
  healthz: 'Proses hidup',
  readyz: 'Basis data dapat dijangkau',
  metrics: 'Metrik Prometheus',
  ingestPoints: 'Kirim pembacaan (titik deret waktu) satu OPD',
  ingestEvents: 'Kirim kejadian (aduan, laporan banjir, tonggak proyek) satu OPD',
  registerProjects: 'Daftarkan proyek pembangunan',
  registerEntities: 'Daftarkan entitas (pintu air, kendaraan, kontainer)',
  catalog: 'Katalog metrik: satuan, pemilik, kelas (sesuai hak pemanggil)',
  series: 'Deret waktu yang dikelompokkan (sesuai hak pemanggil)',
  login: 'Masuk',
  logout: 'Keluar',
  me: 'Siapa saya',
  complaintSummary: 'Aduan warga per kelurahan dan kategori, k-anonim ("< k" untuk angka kecil)',
  complaintPerformance: 'Penanganan aduan: masuk dan selesai per rentang waktu, median waktu selesai, persentase tepat target',
  complaintMap: 'Aduan per kelurahan di titik tengah kelurahan (k-anonim)',
  publicProjects: 'Proyek pembangunan: kemajuan fisik dan serapan anggaran',
  publicMetrics: 'Nilai terbaru setiap metrik publik',
  publicWarnings: 'Peringatan banjir per kecamatan dan kelurahan, tinggi muka air setiap pintu air',
  publicIncidents: 'Insiden terbuka dan selesai per kelurahan (k-anonim)',
  regions: 'Batas wilayah (GeoJSON, kode Kemendagri)',
  basemap: 'Peta dasar: daratan, perairan, sungai dan jalan (lapisan GeoJSON) serta arsip PMTiles bila ada',
  basemapLayer: 'Satu lapisan peta dasar (GeoJSON FeatureCollection)',
  basemapPmtiles: 'Arsip PMTiles peta dasar, dibaca dengan permintaan rentang HTTP (Range)',
  datasets: 'Daftar dataset terbuka: pemilik OPD, klasifikasi, frekuensi, lisensi, unduhan',
  dataset: 'Satu dataset dengan kamus data per sumber daya',
  datasetCsv: 'Unduh satu tampilan dataset sebagai CSV',
  datasetJson: 'Unduh satu tampilan dataset sebagai JSON',
  openapi: 'Dokumen OpenAPI ini (JSON)',
  docs: 'Halaman ini',
  ckan_package_list: 'CKAN: nama setiap dataset',
  ckan_package_show: 'CKAN: satu dataset sebagai package CKAN (dengan lisensi)',
  ckan_package_search: 'CKAN: cari dataset (yang dipanggil harvester CKAN)',
  ckan_datastore_search: 'CKAN DataStore: baris data satu sumber daya',
  ckan_help_show: 'CKAN: penjelasan satu aksi',
  ckan_status_show: 'CKAN: situs (judul, URL, bahasa, versi CKAN, ekstensi)',
  ckan_organization_list: 'CKAN: OPD pemilik dataset',
  ckan_organization_show: 'CKAN: satu OPD dengan jumlah datasetnya',
  ckan_group_list: 'CKAN: domain sebagai grup',
};

/** The Indonesian summary of an operation, if there is one. */
export function summaryId(operationId: string): string | undefined {
  const ckan = /^(ckan_[a-z_]+?)_(get|post)$/.exec(operationId);
  return SUMMARIES_ID[ckan ? ckan[1]! : operationId];
}
