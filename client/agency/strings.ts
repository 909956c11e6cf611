const id = {
  agency: {
    docTitle: 'Sinergi — Dasbor OPD',
    title: 'Sinergi — Dasbor OPD',
    lead: 'Dasbor untuk kepala dan staf Organisasi Perangkat Daerah: indikator kinerja OPD Anda, data yang dibagikan OPD lain, dan konfirmasi peringatan.',
    soon: 'Fitur masuk (login) segera hadir. Sementara itu, layar pantau dan halaman data publik sudah dapat digunakan.',
    catalogTitle: 'Katalog data yang dapat Anda akses',
    catalogPublic: 'Katalog data publik',
    catalogError: 'Katalog tidak dapat dimuat',
    metrics: 'Metrik',
    eventKinds: 'Jenis kejadian',
    owner: 'Pemilik',
    unit: 'Satuan',
    cadence: 'tiap {{n}} dtk',
    class: { publik: 'Publik', terbatas: 'Terbatas', rahasia: 'Rahasia' },
    forget: 'Lupakan token',
    links: { wall: 'Layar pantau', public: 'Data publik', home: 'Beranda' },
  },
};

type AgencyStrings = typeof id;

const en: AgencyStrings = {
  agency: {
    docTitle: 'Sinergi — Agency Dashboard',
    title: 'Sinergi — Agency Dashboard',
    lead: 'A dashboard for heads and staff of city agencies (OPD): your agency’s KPIs, what other agencies share with you, and alert acknowledgement.',
    soon: 'Sign-in is coming soon. Meanwhile the video wall and the public data page are available.',
    catalogTitle: 'Data catalog you can access',
    catalogPublic: 'Public data catalog',
    catalogError: 'The catalog could not be loaded',
    metrics: 'Metrics',
    eventKinds: 'Event kinds',
    owner: 'Owner',
    unit: 'Unit',
    cadence: 'every {{n}} s',
    class: { publik: 'Public', terbatas: 'Restricted', rahasia: 'Confidential' },
    forget: 'Forget token',
    links: { wall: 'Video wall', public: 'Public data', home: 'Home' },
  },
};

export const agencyStrings = { id, en };
