/** Strings shared by every surface. Bahasa Indonesia is the default; English mirrors it key for key. */
const id = {
  common: {
    appName: 'Sinergi',
    language: 'Bahasa',
    langId: 'Bahasa Indonesia',
    langEn: 'English',
    langShortId: 'ID',
    langShortEn: 'EN',
    loading: 'Memuat…',
    noData: 'Belum ada data',
    noAccess: 'Tidak ada akses',
    retry: 'Coba lagi',
    mapLoading: 'Memuat peta…',
    mapError: 'Peta tidak dapat dimuat',
    cityFallback: 'Kota',
  },
  conn: {
    connected: 'Terhubung',
    connecting: 'Menghubungkan…',
    disconnected: 'Koneksi terputus',
    unauthenticated: 'Token ditolak',
    since: 'sejak {{time}}',
  },
  age: {
    none: 'belum ada data',
    seconds: 'diperbarui {{n}} dtk lalu',
    minutes: 'diperbarui {{n}} mnt lalu',
    hours: 'diperbarui {{n}} jam lalu',
    date: 'diperbarui {{date}}',
    stale: 'terlambat',
  },
  alert: {
    normal: 'Normal',
    waspada: 'Waspada',
    siaga: 'Siaga',
    awas: 'Awas',
  },
  errors: {
    invalid: 'Permintaan tidak valid',
    unauthenticated: 'Perlu masuk',
    forbidden: 'Tidak ada akses',
    not_found: 'Tidak ditemukan',
    too_large: 'Terlalu besar',
    unavailable: 'Layanan tidak tersedia',
    internal: 'Terjadi kesalahan',
  },
};

export type CommonStrings = typeof id;

const en: CommonStrings = {
  common: {
    appName: 'Sinergi',
    language: 'Language',
    langId: 'Bahasa Indonesia',
    langEn: 'English',
    langShortId: 'ID',
    langShortEn: 'EN',
    loading: 'Loading…',
    noData: 'No data yet',
    noAccess: 'No access',
    retry: 'Retry',
    mapLoading: 'Loading map…',
    mapError: 'The map could not be loaded',
    cityFallback: 'City',
  },
  conn: {
    connected: 'Connected',
    connecting: 'Connecting…',
    disconnected: 'Connection lost',
    unauthenticated: 'Token rejected',
    since: 'since {{time}}',
  },
  age: {
    none: 'no data yet',
    seconds: 'updated {{n}} s ago',
    minutes: 'updated {{n}} min ago',
    hours: 'updated {{n}} h ago',
    date: 'updated {{date}}',
    stale: 'late',
  },
  alert: {
    normal: 'Normal',
    waspada: 'Watch',
    siaga: 'Warning',
    awas: 'Danger',
  },
  errors: {
    invalid: 'Invalid request',
    unauthenticated: 'Sign-in required',
    forbidden: 'No access',
    not_found: 'Not found',
    too_large: 'Too large',
    unavailable: 'Service unavailable',
    internal: 'Something went wrong',
  },
};

export const commonStrings = { id, en };
