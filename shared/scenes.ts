/**
 * Wall scenes: a scene is a grid of panels (map with chosen layers, charts, KPI tiles, alerts, feed health);
 * a playlist rotates scenes, each for its own duration. Operators edit them in a YAML file
 * (`WALL_SCENES_FILE`, default `config/scenes.yaml`); the server validates it with this schema and serves it
 * to the wall. Isomorphic: the wall validates the answer with the same schema.
 */
import { z } from 'zod';
import { CATALOG_CODE } from './schemas';
import { DOMAIN_CODE_PATTERN } from './catalog-document';

/** deck.gl layers the wall can draw over the offline basemap (region polygons are always drawn). */
export const MAP_LAYERS = [
  'region-codes',
  'complaints-hex',
  'complaints-heat',
  'flood-columns',
  'rainfall',
  'traffic',
  'trucks',
  'containers',
  'projects',
  'project-conflicts',
  'incidents',
] as const;
export type MapLayerId = (typeof MAP_LAYERS)[number];

export const KPI_IDS = [
  'complaints-open',
  'water-level',
  'rainfall',
  'traffic-speed',
  'congestion',
  'landfill-intake',
  'project-progress',
  'trucks',
  'pumps',
  'containers',
] as const;
export type KpiId = (typeof KPI_IDS)[number];

export const CHART_IDS = [
  'water-level',
  'gates',
  'complaints-status',
  'complaints-category',
  'complaints-kecamatan',
  'congestion-segments',
  'containers-fill',
  'projects-progress',
] as const;
export type ChartId = (typeof CHART_IDS)[number];

const SCENE_ID = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower case letters, digits and -, starting with a letter');
const cell = z.number().int().min(1).max(24);

/** Where a panel sits on the scene's grid: 1-based column and row, and how many it spans. */
const areaSchema = z.object({ col: cell, row: cell, w: cell, h: cell }).strict();

const titleSchema = z.object({ id: z.string().min(1).max(80), en: z.string().min(1).max(80) }).strict();

const panelBase = { area: areaSchema, title: titleSchema.optional() };

const metricCode = z.string().regex(CATALOG_CODE, 'not a catalog metric code (lower case letters, digits and _)');
const kindCode = z.string().regex(CATALOG_CODE, 'not a catalog event kind code (lower case letters, digits and _)');

/**
 * How the series of one metric become one figure. Absent on a panel: the catalog's rule for the metric (its
 * `aggregation` field where the catalog has one, else by unit; client/features/kpi aggregationOf).
 */
export const PANEL_AGGREGATIONS = ['sum', 'avg', 'max', 'min', 'last'] as const;
export type PanelAggregation = (typeof PANEL_AGGREGATIONS)[number];

export const METRIC_LAYER_STYLES = ['points', 'lines', 'hexagons', 'choropleth'] as const;
export type MetricLayerStyle = (typeof METRIC_LAYER_STYLES)[number];

/**
 * A generic map layer of any catalog metric: `points` one disc per located series coloured by its alert level
 * (or a ramp without thresholds), `lines` along the entities' registered paths, `hexagons` the located
 * series' values aggregated per hexagon, `choropleth` the region polygons coloured by the aggregate of the
 * series in each (`regionLevel`: by kelurahan code, or by the kecamatan the code sits in).
 */
export const metricLayerSchema = z
  .object({
    type: z.literal('metric-layer'),
    metric: metricCode,
    style: z.enum(METRIC_LAYER_STYLES).default('points'),
    regionLevel: z.enum(['kelurahan', 'kecamatan']).default('kelurahan'),
    aggregation: z.enum(PANEL_AGGREGATIONS).optional(),
  })
  .strict();
export type MetricLayerSpec = z.infer<typeof metricLayerSchema>;

/** Open events of any catalog kind with a position (closed ones leave the map): discs or hexagon counts. */
export const eventLayerSchema = z
  .object({
    type: z.literal('event-layer'),
    kind: kindCode,
    style: z.enum(['points', 'hexagons']).default('points'),
  })
  .strict();
export type EventLayerSpec = z.infer<typeof eventLayerSchema>;

/** One entry of a map panel's `layers`: a built-in layer by id, or a generic layer of a catalog code. */
export const mapLayerEntrySchema = z.union([z.enum(MAP_LAYERS), metricLayerSchema, eventLayerSchema], {
  // zod's own word for a union is "Invalid input": say what a layer can be
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `not a map layer: one of ${MAP_LAYERS.join(', ')}, or { type: metric-layer, metric, style } or { type: event-layer, kind, style }`
      : undefined,
});
export type MapLayerEntry = z.infer<typeof mapLayerEntrySchema>;
export type GenericLayerSpec = MetricLayerSpec | EventLayerSpec;

/** The built-in ids and the generic layers of a map panel's entries, each in order. */
export function splitLayers(entries: readonly MapLayerEntry[]): { builtIn: MapLayerId[]; generic: GenericLayerSpec[] } {
  const builtIn: MapLayerId[] = [];
  const generic: GenericLayerSpec[] = [];
  for (const e of entries) {
    if (typeof e === 'string') builtIn.push(e);
    else generic.push(e);
  }
  return { builtIn, generic };
}

/** A stable id of a generic layer (deck.gl layer ids, legend keys, test hooks). */
export function genericLayerId(l: GenericLayerSpec): string {
  return l.type === 'metric-layer' ? `metric:${l.metric}:${l.style}` : `events:${l.kind}:${l.style}`;
}

export const panelSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('map'),
      ...panelBase,
      layers: z.array(mapLayerEntrySchema).min(1).max(16),
      /** Degrees of tilt; flood columns read better at 40–50. */
      pitch: z.number().min(0).max(60).default(0),
    })
    .strict(),
  z.object({ type: z.literal('kpis'), ...panelBase, kpis: z.array(z.enum(KPI_IDS)).min(1).max(12) }).strict(),
  z.object({ type: z.literal('chart'), ...panelBase, chart: z.enum(CHART_IDS) }).strict(),
  /** Tiles of any catalog metrics: the aggregate of each metric's series, its alert level, unit and data age. */
  z
    .object({
      type: z.literal('metric-kpi'),
      ...panelBase,
      metrics: z.array(metricCode).min(1).max(12),
      aggregation: z.enum(PANEL_AGGREGATIONS).optional(),
    })
    .strict(),
  /** A live line chart of any catalog metric over the last `windowMin` minutes: one line per series, or their aggregate. */
  z
    .object({
      type: z.literal('metric-chart'),
      ...panelBase,
      metric: metricCode,
      // the live buffers hold an hour
      windowMin: z.number().int().min(5).max(60).default(60),
      lines: z.enum(['series', 'aggregate']).default('aggregate'),
      aggregation: z.enum(PANEL_AGGREGATIONS).optional(),
    })
    .strict(),
  z.object({ type: z.literal('alerts'), ...panelBase }).strict(),
  z.object({ type: z.literal('feeds'), ...panelBase }).strict(),
  /** Issue 16: open incidents by severity, age against target, handling OPD. */
  z.object({ type: z.literal('incidents'), ...panelBase }).strict(),
  /** Issue 19: the OPDs ranked by their scorecard (30-day share within SLA, trend, overdue, data freshness). */
  z.object({ type: z.literal('scorecard'), ...panelBase, rows: z.number().int().min(3).max(12).default(8) }).strict(),
]);
export type Panel = z.infer<typeof panelSchema>;

export const sceneSchema = z
  .object({
    id: SCENE_ID,
    title: titleSchema,
    /** The domain this scene is about: an alert of this domain jumps here. */
    domain: z.string().regex(DOMAIN_CODE_PATTERN, 'a domain code of the catalog').optional(),
    /**
     * The lowest alert level that stops the rotation on this scene (default siaga); `never`: alerts of its
     * domain show in the alert panels but do not hold the wall (routine ones, like a full container).
     */
    holdAt: z.enum(['siaga', 'awas', 'never']).optional(),
    /** Seconds the playlist stays on this scene. */
    durationS: z.number().int().min(1).max(3_600),
    grid: z
      .object({ columns: z.number().int().min(1).max(24), rows: z.number().int().min(1).max(24) })
      .strict()
      .default({ columns: 12, rows: 8 }),
    panels: z.array(panelSchema).min(1).max(24),
  })
  .strict();
export type Scene = z.infer<typeof sceneSchema>;

export const scenesFileSchema = z
  .object({
    version: z.literal(1),
    /** Scene ids in rotation order; absent: every scene in file order. */
    playlist: z.array(SCENE_ID).min(1).optional(),
    scenes: z.array(sceneSchema).min(1).max(50),
  })
  .strict()
  .superRefine((f, ctx) => {
    const ids = new Set<string>();
    f.scenes.forEach((s, i) => {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['scenes', i, 'id'], message: `scene id '${s.id}' is used twice` });
      ids.add(s.id);
      s.panels.forEach((p, j) => {
        if (p.area.col + p.area.w - 1 > s.grid.columns) {
          ctx.addIssue({
            code: 'custom',
            path: ['scenes', i, 'panels', j, 'area', 'w'],
            message: `panel ends at column ${p.area.col + p.area.w - 1}, beyond the grid's ${s.grid.columns} columns`,
          });
        }
        if (p.area.row + p.area.h - 1 > s.grid.rows) {
          ctx.addIssue({
            code: 'custom',
            path: ['scenes', i, 'panels', j, 'area', 'h'],
            message: `panel ends at row ${p.area.row + p.area.h - 1}, beyond the grid's ${s.grid.rows} rows`,
          });
        }
      });
    });
    f.playlist?.forEach((id, i) => {
      if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: ['playlist', i], message: `no scene '${id}'; known: ${[...ids].join(', ')}` });
    });
  });
export type ScenesFile = z.infer<typeof scenesFileSchema>;

/** What GET /api/v1/wall/scenes answers. */
export interface ScenesResponse {
  scenes: ScenesFile;
  /**
   * Where they came from: stored by an admin (PUT /api/v1/admin/scenes), the operator's file, or the built-in
   * defaults (none stored, and no file or never a valid one).
   */
  source: 'database' | 'file' | 'defaults';
  loadedAt: number;
  /** The last load's problem while an older good version (or the defaults) is served; null when none. */
  error: string | null;
}

/** A catalog code a scene refers to, with the path of the field that names it (for messages with lines). */
export interface SceneReference {
  kind: 'metric' | 'event_kind';
  code: string;
  path: (string | number)[];
}

/** Every catalog code the generic panels of `f` name: what the wall subscribes to and what the server checks. */
export function sceneReferences(f: ScenesFile): SceneReference[] {
  const out: SceneReference[] = [];
  f.scenes.forEach((s, i) =>
    s.panels.forEach((p, j) => {
      const at = ['scenes', i, 'panels', j];
      switch (p.type) {
        case 'metric-kpi':
          p.metrics.forEach((code, k) => out.push({ kind: 'metric', code, path: [...at, 'metrics', k] }));
          break;
        case 'metric-chart':
          out.push({ kind: 'metric', code: p.metric, path: [...at, 'metric'] });
          break;
        case 'map':
          p.layers.forEach((l, k) => {
            if (typeof l === 'string') return;
            if (l.type === 'metric-layer') out.push({ kind: 'metric', code: l.metric, path: [...at, 'layers', k, 'metric'] });
            else out.push({ kind: 'event_kind', code: l.kind, path: [...at, 'layers', k, 'kind'] });
          });
          break;
        case 'kpis':
        case 'chart':
        case 'alerts':
        case 'feeds':
        case 'incidents':
        case 'scorecard':
          break;
      }
    }),
  );
  return out;
}

/** The distinct metric and event-kind codes of `sceneReferences`, sorted. */
export function sceneCodes(f: ScenesFile): { metrics: string[]; eventKinds: string[] } {
  const refs = sceneReferences(f);
  const pick = (k: SceneReference['kind']) => [...new Set(refs.filter((r) => r.kind === k).map((r) => r.code))].sort();
  return { metrics: pick('metric'), eventKinds: pick('event_kind') };
}

/**
 * Pure: the references to codes the catalog does not hold, as issues with the field's path (the server knows
 * the catalog; the schema alone cannot). `known` lists the catalog's codes.
 */
export function unknownReferences(
  f: ScenesFile,
  known: { metrics: ReadonlySet<string>; eventKinds: ReadonlySet<string> },
): { path: (string | number)[]; message: string }[] {
  return sceneReferences(f).flatMap((r) =>
    (r.kind === 'metric' ? known.metrics : known.eventKinds).has(r.code)
      ? []
      : [{ path: r.path, message: `no ${r.kind === 'metric' ? 'metric' : 'event kind'} '${r.code}' in the catalog` }],
  );
}

/** Validation messages naming field and line: `scenes.2.panels.0.area.w (line 41): …`. */
export function sceneIssues(error: z.ZodError, where: (path: readonly PropertyKey[]) => string = () => ''): string[] {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}${where(i.path)}: ${i.message}`);
}

/** The scenes in playlist order with their durations. */
export function playlistOf(f: ScenesFile): Scene[] {
  if (!f.playlist) return f.scenes;
  const byId = new Map(f.scenes.map((s) => [s.id, s]));
  return f.playlist.flatMap((id) => byId.get(id) ?? []);
}

const a = (col: number, row: number, w: number, h: number) => ({ col, row, w, h });
const grid = { columns: 12, rows: 8 };

/**
 * Built-in scenes for the demo city (used when none are stored, no file is configured or it never validated);
 * `config/scenes.yaml` ships the same scenes for operators to edit. They are built mainly from the generic
 * panels (`metric-kpi`, `metric-chart`, `metric-layer`, `event-layer`), which take any catalog code. The
 * specialised panels stay where they show what a generic one cannot: the open complaints count and its charts
 * by status, category and kecamatan (events, not a metric), the worst gauge named with its station and the
 * water chart picking it out, the gates list by level, the pumps running out of all, the project progress
 * against plan, the congestion ranking of road segments, the fullest containers, the trucks with their trails,
 * the flood columns in 3D, the complaints hexagons the rewind counts on the server, alerts, feeds, incidents.
 */
export const DEFAULT_SCENES: ScenesFile = {
  version: 1,
  playlist: ['overview', 'floods', 'traffic', 'sanitation', 'complaints', 'projects'],
  scenes: [
    {
      id: 'overview',
      title: { id: 'Ringkasan kota', en: 'City overview' },
      durationS: 60,
      grid,
      panels: [
        {
          type: 'map',
          area: a(1, 1, 7, 5),
          layers: [
            'complaints-hex',
            { type: 'metric-layer', metric: 'rainfall', style: 'points', regionLevel: 'kelurahan' },
            'traffic',
            { type: 'metric-layer', metric: 'container_fill', style: 'points', regionLevel: 'kelurahan' },
            'projects',
            'trucks',
            'flood-columns',
            'incidents',
          ],
          pitch: 0,
        },
        { type: 'feeds', area: a(1, 8, 12, 1) },
        { type: 'kpis', area: a(8, 1, 5, 2), kpis: ['complaints-open', 'water-level', 'project-progress'] },
        { type: 'metric-kpi', area: a(8, 3, 5, 2), metrics: ['rainfall', 'traffic_speed', 'congestion_index'] },
        { type: 'chart', area: a(8, 5, 5, 2), chart: 'water-level' },
        { type: 'alerts', area: a(8, 7, 5, 1) },
        { type: 'incidents', area: a(1, 6, 7, 2) },
      ],
    },
    {
      id: 'floods',
      title: { id: 'Banjir dan tinggi muka air', en: 'Floods and water levels' },
      domain: 'floods',
      durationS: 45,
      grid,
      panels: [
        {
          type: 'map',
          area: a(1, 1, 7, 8),
          layers: [
            { type: 'metric-layer', metric: 'water_level', style: 'choropleth', regionLevel: 'kecamatan' },
            'flood-columns',
            { type: 'metric-layer', metric: 'rainfall', style: 'points', regionLevel: 'kelurahan' },
            { type: 'event-layer', kind: 'flood_report', style: 'points' },
            'region-codes',
          ],
          pitch: 45,
        },
        { type: 'kpis', area: a(8, 1, 5, 2), kpis: ['water-level', 'pumps'] },
        { type: 'chart', area: a(8, 3, 5, 2), chart: 'water-level' },
        { type: 'chart', area: a(8, 5, 5, 2), chart: 'gates' },
        { type: 'alerts', area: a(8, 7, 5, 2) },
      ],
    },
    {
      id: 'traffic',
      title: { id: 'Lalu lintas', en: 'Traffic' },
      domain: 'traffic',
      holdAt: 'awas',
      durationS: 40,
      grid,
      panels: [
        { type: 'map', area: a(1, 1, 7, 8), layers: ['traffic'], pitch: 0 },
        { type: 'metric-kpi', area: a(8, 1, 5, 2), metrics: ['traffic_speed', 'congestion_index'] },
        { type: 'chart', area: a(8, 3, 5, 2), chart: 'congestion-segments' },
        { type: 'metric-chart', area: a(8, 5, 5, 2), metric: 'traffic_intensity', windowMin: 60, lines: 'aggregate' },
        { type: 'alerts', area: a(8, 7, 5, 2) },
      ],
    },
    {
      id: 'sanitation',
      title: { id: 'Kebersihan dan persampahan', en: 'Sanitation' },
      domain: 'sanitation',
      holdAt: 'never',
      durationS: 40,
      grid,
      panels: [
        {
          type: 'map',
          area: a(1, 1, 7, 8),
          layers: ['trucks', { type: 'metric-layer', metric: 'container_fill', style: 'points', regionLevel: 'kelurahan' }],
          pitch: 0,
        },
        { type: 'metric-kpi', area: a(8, 1, 5, 2), metrics: ['truck_load', 'landfill_intake', 'container_fill'] },
        { type: 'chart', area: a(8, 3, 5, 4), chart: 'containers-fill' },
        { type: 'alerts', area: a(8, 7, 5, 2) },
      ],
    },
    {
      id: 'complaints',
      title: { id: 'Aduan warga', en: 'Citizen complaints' },
      domain: 'complaints',
      durationS: 40,
      grid,
      panels: [
        { type: 'map', area: a(1, 1, 7, 8), layers: ['complaints-hex', 'region-codes'], pitch: 0 },
        { type: 'kpis', area: a(8, 1, 5, 2), kpis: ['complaints-open'] },
        { type: 'chart', area: a(8, 3, 5, 2), chart: 'complaints-category' },
        { type: 'chart', area: a(8, 5, 5, 2), chart: 'complaints-kecamatan' },
        { type: 'chart', area: a(8, 7, 5, 2), chart: 'complaints-status' },
      ],
    },
    {
      id: 'projects',
      title: { id: 'Proyek pembangunan', en: 'Development projects' },
      domain: 'projects',
      durationS: 40,
      grid,
      panels: [
        { type: 'map', area: a(1, 1, 7, 8), layers: ['projects', 'project-conflicts'], pitch: 0 },
        { type: 'metric-kpi', area: a(8, 1, 5, 2), metrics: ['project_progress', 'project_budget_absorbed'] },
        { type: 'chart', area: a(8, 3, 5, 4), chart: 'projects-progress' },
        { type: 'alerts', area: a(8, 7, 5, 2) },
      ],
    },
  ],
};
