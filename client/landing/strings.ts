const id = {
  landing: {
    docTitle: 'Sinergi',
    title: 'Sinergi',
    tagline: 'Pusat komando waktu nyata pemerintah kota: satu sumber data untuk semua OPD.',
    wall: { name: 'Layar Pantau', desc: 'Untuk operator pusat komando: peta, grafik, dan peringatan di dinding video.' },
    agency: { name: 'Dasbor OPD', desc: 'Untuk kepala dan staf OPD di tablet: indikator kinerja dan konfirmasi peringatan.' },
    public: { name: 'Data Publik', desc: 'Untuk warga: peringatan banjir, lalu lintas, aduan, dan progres pembangunan.' },
    admin: { name: 'Administrasi', desc: 'Untuk admin Diskominfo: katalog data, pengguna, kunci ingest, dan adegan dinding.' },
  },
};

type LandingStrings = typeof id;

const en: LandingStrings = {
  landing: {
    docTitle: 'Sinergi',
    title: 'Sinergi',
    tagline: 'Real-time command center for city government: one source of data for every agency.',
    wall: { name: 'Video Wall', desc: 'For command-center operators: map, charts and alerts on the video wall.' },
    agency: { name: 'Agency Dashboard', desc: 'For agency heads and staff on tablets: KPIs and alert acknowledgement.' },
    public: { name: 'Public Data', desc: 'For citizens: flood warnings, traffic, complaints and public works progress.' },
    admin: { name: 'Administration', desc: 'For the Diskominfo admin: data catalog, users, ingest keys and wall scenes.' },
  },
};

export const landingStrings = { id, en };
