import { describe, expect, it } from 'vitest';
import { checkBasemapFile, formatProblem, geometryProblem, mergeChecks } from '../../server/basemap/validate';
import { DEMO_COAST, DEMO_ROADS, demoBasemapLayers } from '../../demo/basemap/semarang';
import { cityOutline, generateDemoCity } from '../../demo/city';
import { BASEMAP_LAYERS, type BasemapGeometry } from '../../shared/basemap';

const square: [number, number][] = [
  [110, -7],
  [110.1, -7],
  [110.1, -6.9],
  [110, -6.9],
  [110, -7],
];
const bowtie: [number, number][] = [
  [110, -7],
  [110.1, -6.9],
  [110.1, -7],
  [110, -6.9],
  [110, -7],
];

describe('geometryProblem', () => {
  const cases: [string, BasemapGeometry, RegExp | null][] = [
    [
      'a line',
      {
        type: 'LineString',
        coordinates: [
          [110, -7],
          [110.1, -7],
        ],
      },
      null,
    ],
    [
      'a line of one repeated position',
      {
        type: 'LineString',
        coordinates: [
          [110, -7],
          [110, -7],
        ],
      },
      /two distinct positions/,
    ],
    ['a line of one position', { type: 'LineString', coordinates: [[110, -7]] }, /two distinct positions/],
    [
      'a multiline with a bad part',
      {
        type: 'MultiLineString',
        coordinates: [
          [
            [110, -7],
            [110.1, -7],
          ],
          [[110, -7]],
        ],
      },
      /two distinct/,
    ],
    ['an empty multiline', { type: 'MultiLineString', coordinates: [] }, /no lines/],
    ['a square', { type: 'Polygon', coordinates: [square] }, null],
    ['an open ring', { type: 'Polygon', coordinates: [square.slice(0, 4)] }, /not closed/],
    [
      'a ring of three positions',
      {
        type: 'Polygon',
        coordinates: [
          [
            [110, -7],
            [110.1, -7],
            [110, -7],
          ],
        ],
      },
      /at least four/,
    ],
    [
      'a flat ring',
      {
        type: 'Polygon',
        coordinates: [
          [
            [110, -7],
            [110.1, -7],
            [110.1, -7],
            [110, -7],
          ],
        ],
      },
      /three distinct corners/,
    ],
    ['a bow tie', { type: 'Polygon', coordinates: [bowtie] }, /crosses itself near 110\.05000, -6\.95000/],
    ['a polygon with no ring', { type: 'Polygon', coordinates: [] }, /no ring/],
    ['a multipolygon with a bow tie', { type: 'MultiPolygon', coordinates: [[square], [bowtie]] }, /crosses itself/],
  ];
  it.each(cases)('%s', (_name, g, want) => {
    const got = geometryProblem(g);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });
});

describe('checkBasemapFile', () => {
  const road = (name: string, cls: unknown, coordinates: number[][]) => ({
    type: 'Feature',
    properties: { name, class: cls },
    geometry: { type: 'LineString', coordinates },
  });

  it('takes a layer per file, keeps only the properties the style reads, maps OSM link classes', () => {
    const r = checkBasemapFile(
      'roads.geojson',
      {
        type: 'FeatureCollection',
        features: [
          {
            ...road('Jl. Pemuda', 'primary', [
              [110.41, -6.98],
              [110.42, -6.97],
            ]),
            properties: { name: 'Jl. Pemuda', class: 'primary', osm_id: 7 },
          },
          {
            type: 'Feature',
            properties: { name: 'Exit Krapyak', highway: 'motorway_link' },
            geometry: {
              type: 'LineString',
              coordinates: [
                [110.35, -6.99],
                [110.36, -6.99],
              ],
            },
          },
        ],
      },
      'roads',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.layers.roads!.features.map((f) => f.properties)).toEqual([
      { name: 'Jl. Pemuda', class: 'primary', kind: null },
      { name: 'Exit Krapyak', class: 'motorway', kind: null },
    ]);
  });

  it('splits one collection by properties.layer, and the collection name names a whole file', () => {
    const mixed = checkBasemapFile('semua.geojson', {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { layer: 'water', name: 'Laut Jawa' }, geometry: { type: 'Polygon', coordinates: [square] } },
        {
          type: 'Feature',
          properties: { layer: 'rivers', name: 'Kali Garang' },
          geometry: {
            type: 'LineString',
            coordinates: [
              [110.39, -7.0],
              [110.39, -6.95],
            ],
          },
        },
      ],
    });
    expect(mixed.ok && Object.keys(mixed.layers)).toEqual(['water', 'rivers']);
    const named = checkBasemapFile('x.json', {
      type: 'FeatureCollection',
      name: 'rivers',
      features: [
        road('Kali Babon', null, [
          [110.48, -7],
          [110.49, -6.94],
        ]),
      ],
    });
    expect(named.ok && named.layers.rivers!.features).toHaveLength(1);
  });

  it('names every bad feature by layer, index and name, and returns no layers', () => {
    const r = checkBasemapFile(
      'jalan.geojson',
      {
        type: 'FeatureCollection',
        features: [
          road('Jl. Baik', 'trunk', [
            [110.41, -6.98],
            [110.42, -6.97],
          ]),
          road('Jl. Titik', 'primary', [[110.41, -6.98]]),
          road('Jl. Kelas', 'jalan_desa', [
            [110.41, -6.98],
            [110.42, -6.97],
          ]),
          { type: 'Feature', properties: { name: 'Lapangan' }, geometry: { type: 'Polygon', coordinates: [square] } },
          road('Jl. Luar', 'primary', [
            [190, -6.98],
            [110.42, -6.97],
          ]),
        ],
      },
      'roads',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map(formatProblem)).toEqual([
      'jalan.geojson: roads[1] "Jl. Titik": a line needs two distinct positions',
      expect.stringMatching(/^jalan\.geojson: roads\[2\] "Jl\. Kelas": road class must be one of motorway, .* \(got "jalan_desa"\)$/),
      'jalan.geojson: roads[3] "Lapangan": a Polygon cannot be in roads (only LineString, MultiLineString)',
      expect.stringMatching(/^jalan\.geojson: roads\[4\] "Jl\. Luar": geometry\.coordinates\.0\.0: /),
    ]);
  });

  it('refuses what is not a FeatureCollection, a feature with no layer, a self-crossing sea', () => {
    expect(checkBasemapFile('a.json', { type: 'Feature' })).toMatchObject({ ok: false, problems: [{ message: 'not a GeoJSON FeatureCollection' }] });
    const nolayer = checkBasemapFile('b.json', {
      type: 'FeatureCollection',
      features: [
        road('Jl. X', 'primary', [
          [110, -7],
          [110.1, -7],
        ]),
      ],
    });
    expect(nolayer).toMatchObject({ ok: false, problems: [{ index: 0, name: 'Jl. X', message: expect.stringMatching(/^no layer/) }] });
    const sea = checkBasemapFile(
      'c.json',
      {
        type: 'FeatureCollection',
        features: [{ type: 'Feature', properties: { name: 'Laut' }, geometry: { type: 'Polygon', coordinates: [bowtie] } }],
      },
      'water',
    );
    expect(sea).toMatchObject({
      ok: false,
      problems: [{ layer: 'water', index: 0, name: 'Laut', message: expect.stringMatching(/crosses itself/) }],
    });
  });

  it('two files may not carry the same layer', () => {
    const a = checkBasemapFile(
      'a.geojson',
      {
        type: 'FeatureCollection',
        features: [
          road('A', 'primary', [
            [110, -7],
            [110.1, -7],
          ]),
        ],
      },
      'roads',
    );
    const b = checkBasemapFile(
      'b.geojson',
      {
        type: 'FeatureCollection',
        features: [
          road('B', 'primary', [
            [110, -7],
            [110.1, -7],
          ]),
        ],
      },
      'roads',
    );
    expect(
      mergeChecks([
        { file: 'a.geojson', check: a },
        { file: 'b.geojson', check: b },
      ]),
    ).toMatchObject({
      ok: false,
      problems: [{ file: 'b.geojson', message: 'layer roads is also in a.geojson' }],
    });
  });
});

describe('the demo Semarang basemap', () => {
  it('passes the import check, every layer', () => {
    const layers = demoBasemapLayers();
    for (const l of BASEMAP_LAYERS) {
      const r = checkBasemapFile(`${l}.geojson`, layers[l], l);
      expect(r.ok ? null : r.problems.map(formatProblem)).toBeNull();
    }
  });

  it('has the named rivers, the toll roads and the arterials the brief names, with classes', () => {
    const layers = demoBasemapLayers();
    const rivers = layers.rivers.features.map((f) => f.properties.name);
    expect(rivers).toEqual(
      expect.arrayContaining([
        'Banjir Kanal Barat',
        'Banjir Kanal Timur',
        'Kali Garang',
        'Kali Semarang',
        'Kali Babon',
        'Kali Beringin',
        'Kali Tenggang',
        'Kali Silandak',
      ]),
    );
    const roads = new Map(layers.roads.features.map((f) => [f.properties.name, f.properties.class]));
    for (const n of [
      'Jl. Pemuda',
      'Jl. Pandanaran',
      'Jl. Siliwangi',
      'Jl. Kaligawe',
      'Jl. Setiabudi',
      'Jl. Majapahit',
      'Jl. Ahmad Yani',
      'Jl. Jenderal Sudirman',
      'Jl. Dr. Cipto',
      'Jl. Arteri Yos Sudarso',
      'Jl. Arteri Soekarno-Hatta',
      'Jl. Gajah Mada',
      'Jl. MT Haryono',
      'Jl. Teuku Umar',
      'Jl. Perintis Kemerdekaan',
    ]) {
      expect(roads.has(n), n).toBe(true);
    }
    expect([...roads].filter(([, c]) => c === 'motorway').map(([n]) => n)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Krapyak–Jatingaleh'),
        expect.stringContaining('Jatingaleh–Srondol'),
        'Tol Semarang–Batang',
        'Tol Semarang–Demak',
      ]),
    );
    expect(new Set(DEMO_ROADS.map((r) => r.slug)).size).toBe(DEMO_ROADS.length);
  });

  it('follows the city outline along the coast, and every river reaches the sea', async () => {
    const city = await generateDemoCity();
    const outline = cityOutline(city);
    const [w, , e] = city.bbox;
    const coastInCity = DEMO_COAST.filter(([lon]) => lon >= w && lon <= e);
    expect(coastInCity.length).toBeGreaterThan(5);
    // each coast vertex inside the city's longitudes is a vertex of the outline (same line, not a similar one)
    for (const [lon, lat] of coastInCity)
      expect(
        outline.some(([x, y]) => Math.abs(x - lon) < 1e-9 && Math.abs(y - lat) < 1e-9),
        `${lon},${lat}`,
      ).toBe(true);
    const coastLatAt = (lon: number): number => {
      for (let i = 0; i + 1 < DEMO_COAST.length; i++) {
        const [x0, y0] = DEMO_COAST[i]!;
        const [x1, y1] = DEMO_COAST[i + 1]!;
        if (lon >= x0 && lon <= x1) return y0 + ((lon - x0) / (x1 - x0)) * (y1 - y0);
      }
      return NaN;
    };
    const sea = demoBasemapLayers().water.features[0]!;
    expect(sea.properties).toMatchObject({ name: 'Laut Jawa', kind: 'sea' });
    for (const r of demoBasemapLayers().rivers.features) {
      if (r.geometry.type !== 'LineString') continue;
      const [lon, lat] = r.geometry.coordinates[r.geometry.coordinates.length - 1]!;
      // tributaries end at their river (Kali Garang, Kali Kreo), the others just past the coast
      if (['Kali Garang', 'Kali Kreo'].includes(r.properties.name ?? '')) continue;
      expect(lat!, r.properties.name ?? '').toBeGreaterThan(coastLatAt(lon!));
      expect(lat! - coastLatAt(lon!), r.properties.name ?? '').toBeLessThan(0.006);
    }
  });
});
