/**
 * Checks a basemap an operator supplies as GeoJSON (`admin basemap import`), before anything is stored: the
 * shape with zod, then each geometry (turf: closed rings, no self-intersection, no degenerate lines, the
 * geometry type its layer allows). Pure: the CLI reads the files, this judges them, the repository stores
 * them in one transaction, so a bad file changes nothing.
 *
 * Every problem is reported, naming the layer, the feature's index in its file and its name, so the operator
 * can find it in QGIS: `roads[12] "Jl. Pemuda": a line needs two distinct positions`.
 */
import { booleanValid, kinks, rewind } from '@turf/turf';
import { z } from 'zod';
import {
  BASEMAP_LAYERS,
  LAYER_GEOMETRY,
  ROAD_CLASSES,
  basemapFeature,
  type BasemapCollection,
  type BasemapFeature,
  type BasemapGeometry,
  type BasemapLayer,
} from '../../shared/basemap';

/** Bounds on what one import may hold: a city's OSM roads are ~50k lines; more is a mistake (a province). */
export const BASEMAP_LIMITS = { featuresPerLayer: 200_000, positionsPerFeature: 100_000 } as const;

export interface BasemapProblem {
  /** Which file (as given on the command line). */
  file: string;
  layer: BasemapLayer | null;
  /** The feature's index in its file's `features`, null for the file as a whole. */
  index: number | null;
  name: string | null;
  message: string;
}

export type BasemapCheck = { ok: true; layers: Partial<Record<BasemapLayer, BasemapCollection>> } | { ok: false; problems: BasemapProblem[] };

/** `roads[12] "Jl. Pemuda": …`; the operator's one line per problem. */
export function formatProblem(p: BasemapProblem): string {
  const where = `${p.file}: ${p.layer ?? 'file'}${p.index === null ? '' : `[${p.index}]`}${p.name ? ` "${p.name}"` : ''}`;
  return `${where}: ${p.message}`;
}

const isLayer = (v: unknown): v is BasemapLayer => typeof v === 'string' && (BASEMAP_LAYERS as readonly string[]).includes(v);

const fileShape = z.object({
  type: z.literal('FeatureCollection'),
  /** ogr2ogr writes the layer's name here. */
  name: z.string().optional(),
  layer: z.string().optional(),
  features: z.array(z.unknown()),
});

/** The positions a line or ring has after dropping consecutive duplicates. */
function distinct(line: readonly (readonly number[])[]): number {
  let n = 0;
  let prev: readonly number[] | null = null;
  for (const p of line) {
    if (!prev || p[0] !== prev[0] || p[1] !== prev[1]) n++;
    prev = p;
  }
  return n;
}

function positions(g: BasemapGeometry): number {
  switch (g.type) {
    case 'LineString':
      return g.coordinates.length;
    case 'MultiLineString':
      return g.coordinates.reduce((s, l) => s + l.length, 0);
    case 'Polygon':
      return g.coordinates.reduce((s, r) => s + r.length, 0);
    case 'MultiPolygon':
      return g.coordinates.reduce((s, p) => s + p.reduce((t, r) => t + r.length, 0), 0);
  }
}

/** What is wrong with a geometry, or null. */
export function geometryProblem(g: BasemapGeometry): string | null {
  if (positions(g) > BASEMAP_LIMITS.positionsPerFeature) return `more than ${BASEMAP_LIMITS.positionsPerFeature} positions (simplify it first)`;
  const lines = g.type === 'LineString' ? [g.coordinates] : g.type === 'MultiLineString' ? g.coordinates : [];
  if (g.type === 'MultiLineString' && lines.length === 0) return 'a MultiLineString with no lines';
  for (const l of lines) if (distinct(l) < 2) return 'a line needs two distinct positions';
  if (g.type === 'Polygon' || g.type === 'MultiPolygon') {
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    if (polys.length === 0) return 'a MultiPolygon with no polygons';
    for (const rings of polys) {
      if (rings.length === 0) return 'a polygon with no ring';
      for (const r of rings) {
        const a = r[0];
        const b = r[r.length - 1];
        if (r.length < 4 || !a || !b) return 'a ring needs at least four positions';
        if (a[0] !== b[0] || a[1] !== b[1]) return 'a ring is not closed (its first and last positions differ)';
        if (distinct(r) < 4) return 'a ring needs three distinct corners';
      }
    }
    const crossings = kinks(g as GeoJSON.Polygon | GeoJSON.MultiPolygon).features;
    if (crossings.length > 0) {
      const [lon, lat] = crossings[0]!.geometry.coordinates;
      return `the polygon crosses itself near ${lon!.toFixed(5)}, ${lat!.toFixed(5)}`;
    }
    if (!booleanValid(g as GeoJSON.Geometry)) return 'invalid polygon (a hole outside its shell, or rings that cross)';
  }
  return null;
}

const nameOf = (raw: unknown): string | null => {
  const n = (raw as { properties?: { name?: unknown } } | null)?.properties?.name;
  return typeof n === 'string' && n.trim() !== '' ? n.slice(0, 80) : null;
};

/** OSM's `motorway_link` is drawn as its road; `highway` is the OSM key name for the class. */
function normaliseClass(props: Record<string, unknown>): unknown {
  const c = props.class ?? props.highway;
  return typeof c === 'string' ? c.replace(/_link$/, '') : c;
}

/**
 * Checks one parsed file. `layer` is the layer the whole file is (from `--layer` or its name); absent, each
 * feature names its own in `properties.layer`, or the collection names one in `name`/`layer`.
 */
export function checkBasemapFile(file: string, json: unknown, layer?: BasemapLayer): BasemapCheck {
  const problems: BasemapProblem[] = [];
  const shape = fileShape.safeParse(json);
  if (!shape.success) {
    return { ok: false, problems: [{ file, layer: layer ?? null, index: null, name: null, message: 'not a GeoJSON FeatureCollection' }] };
  }
  const fileLayer = layer ?? (isLayer(shape.data.layer) ? shape.data.layer : isLayer(shape.data.name) ? shape.data.name : undefined);
  const out: Partial<Record<BasemapLayer, BasemapFeature[]>> = {};
  shape.data.features.forEach((raw, index) => {
    const name = nameOf(raw);
    const props = ((raw as { properties?: unknown } | null)?.properties ?? {}) as Record<string, unknown>;
    const own = props.layer;
    const l = fileLayer ?? (isLayer(own) ? own : null);
    const problem = (message: string) => problems.push({ file, layer: l, index, name, message });
    if (!l) {
      return void problem(`no layer: give each feature a properties.layer (${BASEMAP_LAYERS.join(', ')}), or import a file per layer with --layer`);
    }
    const candidate = {
      type: (raw as { type?: unknown } | null)?.type,
      geometry: (raw as { geometry?: unknown } | null)?.geometry,
      properties: {
        name: typeof props.name === 'string' ? props.name : null,
        kind: typeof props.kind === 'string' ? props.kind : null,
        ...(l === 'roads' ? { class: normaliseClass(props) } : {}),
      },
    };
    const parsed = basemapFeature.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.join('.');
      if (path === 'properties.class')
        return void problem(`road class must be one of ${ROAD_CLASSES.join(', ')} (got ${JSON.stringify(candidate.properties.class)})`);
      return void problem(`${path || 'feature'}: ${issue.message}`);
    }
    const f = parsed.data;
    if (!LAYER_GEOMETRY[l].includes(f.geometry.type))
      return void problem(`a ${f.geometry.type} cannot be in ${l} (only ${LAYER_GEOMETRY[l].join(', ')})`);
    const g = geometryProblem(f.geometry);
    if (g) return void problem(g);
    const list = (out[l] ??= []);
    if (list.length >= BASEMAP_LIMITS.featuresPerLayer) return void problem(`more than ${BASEMAP_LIMITS.featuresPerLayer} features in ${l}`);
    // exterior rings counter-clockwise (RFC 7946): MapLibre fills either, but one winding keeps the data tidy
    list.push(
      f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon'
        ? { ...f, geometry: rewind(f.geometry as GeoJSON.Polygon) as BasemapGeometry }
        : f,
    );
  });
  if (problems.length) return { ok: false, problems };
  const layers: Partial<Record<BasemapLayer, BasemapCollection>> = {};
  for (const l of BASEMAP_LAYERS) if (out[l]) layers[l] = { type: 'FeatureCollection', features: out[l] };
  if (Object.keys(layers).length === 0)
    return { ok: false, problems: [{ file, layer: fileLayer ?? null, index: null, name: null, message: 'no features' }] };
  return { ok: true, layers };
}

/** Several files into one set of layers: two files may not both carry the same layer (which one wins would be a guess). */
export function mergeChecks(checks: readonly { file: string; check: BasemapCheck }[]): BasemapCheck {
  const problems: BasemapProblem[] = [];
  const layers: Partial<Record<BasemapLayer, BasemapCollection>> = {};
  const from: Partial<Record<BasemapLayer, string>> = {};
  for (const { file, check } of checks) {
    if (!check.ok) {
      problems.push(...check.problems);
      continue;
    }
    for (const l of BASEMAP_LAYERS) {
      const c = check.layers[l];
      if (!c) continue;
      if (layers[l]) problems.push({ file, layer: l, index: null, name: null, message: `layer ${l} is also in ${from[l]}` });
      layers[l] = c;
      from[l] = file;
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, layers };
}
