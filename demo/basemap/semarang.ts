/**
 * A recognisable Kota Semarang for the demo's basemap: the Java Sea coast with Tanjung Emas port, the main
 * rivers and flood canals, the toll roads and the main arterials with their names and classes.
 *
 * APPROXIMATE geometry drawn by hand from public knowledge (a few vertices per line, ±300 m), good enough for a
 * wall to read like Semarang, not for navigation or engineering. A kota imports its real basemap with
 * `npm run admin -- basemap import FILE` (README, "Basemap"). The coast inside the city follows the north edge
 * of the demo city outline (demo/city.ts) vertex for vertex, so no kelurahan lies in the sea
 * (tests/unit/demo-basemap.test.ts holds the two together).
 *
 * The traffic simulator takes its road segments from `DEMO_ROADS` by slug, so its segments lie on these lines;
 * the rivers pass through the simulator's sluice gates and pump houses (ingest/sources/simulator/entities.ts).
 */
import type { BasemapCollection, BasemapLayer, RoadClass } from '../../shared/basemap';

export type LonLat = [number, number];

/**
 * The coast, west to east. Between 110.27 and 110.50 these are the vertices of the demo city outline's north
 * edge; beyond them the coasts of Kendal (west) and Sayung, Demak (east).
 */
export const DEMO_COAST: readonly LonLat[] = [
  [110.15, -6.925],
  [110.2, -6.938],
  [110.24, -6.952],
  [110.27, -6.958],
  [110.3, -6.955],
  [110.33, -6.95],
  [110.36, -6.948],
  [110.385, -6.945],
  [110.405, -6.94],
  [110.42, -6.932],
  [110.435, -6.938],
  [110.455, -6.942],
  [110.48, -6.94],
  [110.5, -6.945],
  [110.53, -6.935],
  [110.57, -6.905],
  [110.62, -6.87],
];

/** How far north the sea polygon reaches (well past what the map shows). */
const SEA_NORTH = -6.7;

export interface DemoRiver {
  name: string;
  /** Upstream to the mouth (the last vertex a little into the sea, so the line meets the coast). */
  path: LonLat[];
}

export const DEMO_RIVERS: readonly DemoRiver[] = [
  {
    // Kali Garang comes down from Gunungpati to the Simongan weir, where the Banjir Kanal Barat takes it to the sea
    name: 'Kali Garang',
    path: [
      [110.378, -7.085],
      [110.383, -7.06],
      [110.389, -7.038],
      [110.39, -7.018],
      [110.3935, -6.9985],
    ],
  },
  {
    name: 'Banjir Kanal Barat',
    path: [
      [110.3935, -6.9985],
      [110.396, -6.986],
      [110.398, -6.975],
      [110.396, -6.963],
      [110.395, -6.951],
      [110.395, -6.939],
    ],
  },
  {
    name: 'Kali Kreo',
    path: [
      [110.335, -7.075],
      [110.35, -7.055],
      [110.362, -7.042],
      [110.378, -7.03],
      [110.391, -7.022],
    ],
  },
  {
    name: 'Kali Semarang',
    path: [
      [110.397, -6.99],
      [110.406, -6.987],
      [110.414, -6.981],
      [110.42, -6.975],
      [110.4275, -6.965],
      [110.423, -6.958],
      [110.42, -6.954],
      [110.42, -6.94],
      [110.42, -6.929],
    ],
  },
  {
    name: 'Banjir Kanal Timur',
    path: [
      [110.443, -7.012],
      [110.445, -6.998],
      [110.447, -6.985],
      [110.452, -6.966],
      [110.453, -6.952],
      [110.454, -6.938],
    ],
  },
  {
    name: 'Kali Banger',
    path: [
      [110.438, -6.99],
      [110.437, -6.975],
      [110.436, -6.962],
      [110.437, -6.948],
      [110.438, -6.935],
    ],
  },
  {
    name: 'Kali Tenggang',
    path: [
      [110.457, -6.993],
      [110.461, -6.978],
      [110.462, -6.962],
      [110.466, -6.938],
    ],
  },
  {
    name: 'Kali Babon',
    path: [
      [110.455, -7.075],
      [110.462, -7.05],
      [110.466, -7.03],
      [110.472, -7.006],
      [110.478, -6.982],
      [110.48, -6.97],
      [110.484, -6.962],
      [110.489, -6.939],
    ],
  },
  {
    name: 'Kali Siangker',
    path: [
      [110.375, -6.985],
      [110.377, -6.975],
      [110.378, -6.966],
      [110.379, -6.943],
    ],
  },
  {
    name: 'Kali Silandak',
    path: [
      [110.352, -7.005],
      [110.357, -6.988],
      [110.361, -6.97],
      [110.364, -6.945],
    ],
  },
  {
    name: 'Kali Beringin',
    path: [
      [110.305, -7.045],
      [110.31, -7.02],
      [110.314, -6.998],
      [110.318, -6.975],
      [110.32, -6.949],
    ],
  },
  {
    name: 'Kali Plumbon',
    path: [
      [110.275, -7.04],
      [110.281, -7.01],
      [110.286, -6.985],
      [110.288, -6.953],
    ],
  },
];

export interface DemoRoad {
  /** Stable key: the simulator's segment ids are `SEG-<slug>-<n>`. */
  slug: string;
  name: string;
  class: RoadClass;
  path: LonLat[];
}

export const DEMO_ROADS: readonly DemoRoad[] = [
  // toll roads (Jalan Tol Semarang ABC: seksi A, B, C; named short, as the signs do, so the name fits along the line)
  {
    slug: 'TOL-ABC-A',
    name: 'Tol Krapyak–Jatingaleh',
    class: 'motorway',
    path: [
      [110.355, -6.992],
      [110.368, -7.001],
      [110.382, -7.006],
      [110.396, -7.012],
      [110.41, -7.02],
      [110.423, -7.027],
    ],
  },
  {
    slug: 'TOL-ABC-B',
    name: 'Tol Jatingaleh–Srondol',
    class: 'motorway',
    path: [
      [110.423, -7.027],
      [110.43, -7.04],
      [110.432, -7.055],
      [110.428, -7.068],
      [110.426, -7.09],
      [110.428, -7.13],
    ],
  },
  {
    slug: 'TOL-ABC-C',
    name: 'Tol Jatingaleh–Kaligawe',
    class: 'motorway',
    path: [
      [110.423, -7.027],
      [110.437, -7.022],
      [110.448, -7.008],
      [110.452, -6.99],
      [110.455, -6.972],
      [110.458, -6.96],
    ],
  },
  {
    slug: 'TOL-BATANG',
    name: 'Tol Semarang–Batang',
    class: 'motorway',
    path: [
      [110.355, -6.992],
      [110.335, -7.0],
      [110.305, -7.006],
      [110.27, -7.012],
      [110.2, -7.0],
      [110.12, -6.985],
    ],
  },
  {
    slug: 'TOL-DEMAK',
    name: 'Tol Semarang–Demak',
    class: 'motorway',
    path: [
      [110.458, -6.96],
      [110.475, -6.953],
      [110.5, -6.951],
      [110.53, -6.94],
      [110.58, -6.915],
    ],
  },
  // trunk roads (Pantura and the road to Ungaran)
  {
    slug: 'WALISONGO',
    name: 'Jl. Walisongo',
    class: 'trunk',
    path: [
      [110.355, -6.99],
      [110.335, -6.986],
      [110.31, -6.983],
      [110.27, -6.978],
      [110.2, -6.965],
    ],
  },
  {
    slug: 'SILIWANGI',
    name: 'Jl. Siliwangi',
    class: 'trunk',
    path: [
      [110.385, -6.986],
      [110.37, -6.988],
      [110.355, -6.99],
    ],
  },
  {
    slug: 'ARTERIYOSSUDARSO',
    name: 'Jl. Arteri Yos Sudarso',
    class: 'trunk',
    path: [
      [110.365, -6.962],
      [110.38, -6.96],
      [110.4, -6.956],
      [110.418, -6.953],
      [110.43, -6.955],
    ],
  },
  {
    slug: 'KALIGAWE',
    name: 'Jl. Kaligawe',
    class: 'trunk',
    path: [
      [110.44, -6.962],
      [110.46, -6.959],
      [110.48, -6.956],
      [110.5, -6.955],
      [110.55, -6.945],
    ],
  },
  {
    slug: 'SOEKARNOHATTA',
    name: 'Jl. Arteri Soekarno-Hatta',
    class: 'trunk',
    path: [
      [110.445, -6.962],
      [110.452, -6.975],
      [110.458, -6.988],
      [110.464, -7.0],
    ],
  },
  {
    slug: 'SETIABUDI',
    name: 'Jl. Setiabudi',
    class: 'trunk',
    path: [
      [110.418, -7.03],
      [110.42, -7.048],
      [110.422, -7.065],
    ],
  },
  {
    slug: 'PERINTIS',
    name: 'Jl. Perintis Kemerdekaan',
    class: 'trunk',
    path: [
      [110.422, -7.065],
      [110.421, -7.085],
      [110.418, -7.105],
      [110.415, -7.135],
    ],
  },
  // primary: the centre (Tugu Muda, Simpang Lima) and the main radials
  {
    slug: 'PEMUDA',
    name: 'Jl. Pemuda',
    class: 'primary',
    path: [
      [110.4094, -6.9841],
      [110.415, -6.979],
      [110.4205, -6.9745],
      [110.426, -6.97],
    ],
  },
  {
    slug: 'PANDANARAN',
    name: 'Jl. Pandanaran',
    class: 'primary',
    path: [
      [110.4094, -6.9841],
      [110.416, -6.988],
      [110.4225, -6.9905],
    ],
  },
  {
    slug: 'GAJAHMADA',
    name: 'Jl. Gajah Mada',
    class: 'primary',
    path: [
      [110.4225, -6.9905],
      [110.4235, -6.9845],
      [110.4255, -6.978],
      [110.4265, -6.971],
    ],
  },
  {
    slug: 'AHMADYANI',
    name: 'Jl. Ahmad Yani',
    class: 'primary',
    path: [
      [110.4225, -6.9905],
      [110.43, -6.988],
      [110.437, -6.986],
    ],
  },
  {
    slug: 'PAHLAWAN',
    name: 'Jl. Pahlawan',
    class: 'primary',
    path: [
      [110.4225, -6.9905],
      [110.4215, -6.996],
      [110.4205, -7.001],
    ],
  },
  {
    slug: 'SUDIRMAN',
    name: 'Jl. Jenderal Sudirman',
    class: 'primary',
    path: [
      [110.4094, -6.9841],
      [110.399, -6.985],
      [110.385, -6.986],
    ],
  },
  {
    slug: 'TEUKUUMAR',
    name: 'Jl. Teuku Umar',
    class: 'primary',
    path: [
      [110.4205, -7.001],
      [110.417, -7.015],
      [110.418, -7.03],
    ],
  },
  {
    slug: 'MAJAPAHIT',
    name: 'Jl. Majapahit',
    class: 'primary',
    path: [
      [110.438, -6.993],
      [110.45, -6.999],
      [110.465, -7.004],
      [110.478, -7.008],
      [110.495, -7.012],
    ],
  },
  {
    slug: 'SUDIARTO',
    name: 'Jl. Brigjen Sudiarto',
    class: 'primary',
    path: [
      [110.437, -6.986],
      [110.455, -6.988],
      [110.475, -6.993],
    ],
  },
  // secondary
  {
    slug: 'DRCIPTO',
    name: 'Jl. Dr. Cipto',
    class: 'secondary',
    path: [
      [110.434, -6.968],
      [110.436, -6.978],
      [110.437, -6.986],
      [110.438, -6.993],
    ],
  },
  {
    slug: 'MTHARYONO',
    name: 'Jl. MT Haryono',
    class: 'secondary',
    path: [
      [110.429, -6.966],
      [110.43, -6.978],
      [110.431, -6.988],
      [110.43, -6.998],
    ],
  },
  {
    slug: 'KEDUNGMUNDU',
    name: 'Jl. Kedungmundu',
    class: 'secondary',
    path: [
      [110.455, -7.008],
      [110.457, -7.025],
      [110.456, -7.04],
    ],
  },
  {
    slug: 'KALIGARANG',
    name: 'Jl. Kaligarang',
    class: 'secondary',
    path: [
      [110.4094, -6.9841],
      [110.404, -6.995],
      [110.397, -7.005],
      [110.393, -7.018],
    ],
  },
  {
    slug: 'PAMULARSIH',
    name: 'Jl. Pamularsih',
    class: 'secondary',
    path: [
      [110.392, -6.9855],
      [110.389, -6.995],
      [110.384, -7.004],
    ],
  },
  {
    slug: 'EMPUTANTULAR',
    name: 'Jl. Empu Tantular',
    class: 'secondary',
    path: [
      [110.415, -6.979],
      [110.418, -6.968],
      [110.419, -6.953],
    ],
  },
  {
    slug: 'HAMKA',
    name: 'Jl. Prof. Hamka',
    class: 'secondary',
    path: [
      [110.345, -6.988],
      [110.343, -7.005],
      [110.338, -7.02],
    ],
  },
  {
    slug: 'RAYAMIJEN',
    name: 'Jl. Raya Mijen',
    class: 'secondary',
    path: [
      [110.338, -7.02],
      [110.325, -7.04],
      [110.31, -7.058],
      [110.295, -7.075],
    ],
  },
  {
    slug: 'PROFSOEDARTO',
    name: 'Jl. Prof. Soedarto',
    class: 'secondary',
    path: [
      [110.422, -7.058],
      [110.432, -7.055],
      [110.442, -7.052],
      [110.452, -7.048],
    ],
  },
  {
    slug: 'FATMAWATI',
    name: 'Jl. Fatmawati',
    class: 'secondary',
    path: [
      [110.465, -7.004],
      [110.467, -7.02],
      [110.466, -7.038],
    ],
  },
];

/** Port of Tanjung Emas and the Marina breakwater, drawn as land over the sea. */
const PIERS: readonly { name: string; ring: LonLat[] }[] = [
  {
    name: 'Pelabuhan Tanjung Emas',
    ring: [
      [110.414, -6.9365],
      [110.414, -6.926],
      [110.421, -6.9235],
      [110.426, -6.926],
      [110.426, -6.9355],
      [110.4215, -6.9345],
      [110.4215, -6.928],
      [110.4185, -6.928],
      [110.4185, -6.9355],
      [110.414, -6.9365],
    ],
  },
  {
    name: 'Pantai Marina',
    ring: [
      [110.386, -6.9448],
      [110.386, -6.94],
      [110.389, -6.9398],
      [110.389, -6.9442],
      [110.386, -6.9448],
    ],
  },
];

/** Waduk Jatibarang, the reservoir on Kali Kreo. */
const RESERVOIR: LonLat[] = [
  [110.356, -7.047],
  [110.358, -7.039],
  [110.364, -7.036],
  [110.368, -7.04],
  [110.366, -7.046],
  [110.36, -7.049],
  [110.356, -7.047],
];

/** Counter-clockwise, closed (RFC 7946 right-hand rule for exterior rings). */
function seaRing(): LonLat[] {
  const coast = [...DEMO_COAST];
  const east = coast[coast.length - 1]!;
  const west = coast[0]!;
  // coast west→east runs along the sea's south edge: counter-clockwise continues north on the east side
  return [...coast, [east[0], SEA_NORTH], [west[0], SEA_NORTH], west];
}

/** The demo's four layers as the import takes them. */
export function demoBasemapLayers(): Record<BasemapLayer, BasemapCollection> {
  return {
    land: {
      type: 'FeatureCollection',
      features: PIERS.map((p) => ({
        type: 'Feature',
        properties: { name: p.name, kind: 'pier' },
        geometry: { type: 'Polygon', coordinates: [p.ring] },
      })),
    },
    water: {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { name: 'Laut Jawa', kind: 'sea' }, geometry: { type: 'Polygon', coordinates: [seaRing()] } },
        { type: 'Feature', properties: { name: 'Waduk Jatibarang', kind: 'reservoir' }, geometry: { type: 'Polygon', coordinates: [RESERVOIR] } },
      ],
    },
    rivers: {
      type: 'FeatureCollection',
      features: DEMO_RIVERS.map((r) => ({
        type: 'Feature',
        properties: { name: r.name, kind: 'river' },
        geometry: { type: 'LineString', coordinates: r.path },
      })),
    },
    roads: {
      type: 'FeatureCollection',
      features: DEMO_ROADS.map((r) => ({
        type: 'Feature',
        properties: { name: r.name, class: r.class },
        geometry: { type: 'LineString', coordinates: r.path },
      })),
    },
  };
}

/** A road of the demo basemap by slug (the simulator's segments are pieces of these). */
export function demoRoad(slug: string): DemoRoad {
  const r = DEMO_ROADS.find((x) => x.slug === slug);
  if (!r) throw new Error(`demo basemap: no road '${slug}'`);
  return r;
}
