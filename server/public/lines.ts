/**
 * Entity lines for the public (issue 18). The `/public` live stream carries no registered lines: a road
 * segment's line is the same for hours, yet it made up a seventh of every citizen's first snapshot (twice, once
 * per traffic metric). The public reads them once from GET /api/public/v1/lines instead, cached like every
 * public answer. Pure; the catalog's decisions are arguments.
 */
import type { Metric, SeriesMeta } from '../../shared/catalog';

export interface LineRow {
  metric: string;
  opd: string;
  entity: string;
  name: string | null;
  path: [number, number][];
}

export interface PublicLine {
  opd: string;
  entity: string;
  name: string | null;
  path: [number, number][];
}

export interface PublicLines {
  updatedAt: number;
  lines: PublicLine[];
}

/**
 * The lines the public may see: of an entity with a series of a publik metric, registered by that metric's
 * owner OPD (the line the series is drawn with), when the public may see that series (a rahasia project's
 * line stays hidden). One line per OPD and entity, in the rows' order.
 */
export function publicLines<M extends Pick<Metric, 'class' | 'ownerOpd'>>(
  rows: readonly LineRow[],
  metricOf: (code: string) => M | undefined,
  seriesVisible: (metric: M, entity: string) => boolean,
  updatedAt: number,
): PublicLines {
  const seen = new Set<string>();
  const lines: PublicLine[] = [];
  for (const r of rows) {
    const m = metricOf(r.metric);
    if (!m || m.class !== 'publik' || m.ownerOpd !== r.opd || r.path.length < 2) continue;
    const key = `${r.opd}\u0000${r.entity}`;
    if (seen.has(key) || !seriesVisible(m, r.entity)) continue;
    seen.add(key);
    lines.push({ opd: r.opd, entity: r.entity, name: r.name, path: r.path });
  }
  return { updatedAt, lines };
}

/** Pure: a series meta as the `/public` stream carries it: without its registered line (the same object when it has none). */
export function withoutPath<T extends SeriesMeta>(meta: T): T {
  if (meta.path === undefined) return meta;
  const { path: _path, ...rest } = meta;
  return rest as T;
}
