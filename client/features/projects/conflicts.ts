/**
 * Dig-once conflicts on a map (issue 20): from the conflict records the caller may see
 * (GET /api/v1/projects/conflicts), the works to draw — each visible side's geometry, coloured by the conflict's
 * status — and one marker per conflict at its spot with a label. A side the caller may not read (rahasia of
 * another OPD, terbatas not shared) arrives without name or geometry and is named only by its OPD: "a project of
 * OPD X conflicts here". Judged at a moment (`at`: now, or a rewind frame's), so a frame shows the conflicts known
 * then and the status they had then. Pure.
 */
import type { RestResponse } from '@shared/rest';
import type { ConflictStatus, ProjectGeometry } from '@shared/works';

export type ConflictRecord = RestResponse<'ProjectConflict'>;

/** One side's works on the map. */
export interface ConflictWork {
  key: string;
  conflict: number;
  status: ConflictStatus;
  project: string;
  geometry: ProjectGeometry;
}

/** A conflict's spot: where the layer marks it and what its label says. */
export interface ConflictSpot {
  conflict: number;
  status: ConflictStatus;
  lon: number;
  lat: number;
  /** The two sides for the label: a visible project's name, or only the OPD of a hidden one. */
  sides: ({ hidden: false; name: string; opd: string } | { hidden: true; opd: string })[];
}

export interface ConflictMap {
  works: ConflictWork[];
  spots: ConflictSpot[];
}

/** The status a conflict had at `at` (coordinated later: still open then). */
export function statusAt(c: Pick<ConflictRecord, 'status' | 'coordinatedAt'>, at: number): ConflictStatus {
  return c.status === 'dikoordinasikan' && c.coordinatedAt !== null && c.coordinatedAt <= at ? 'dikoordinasikan' : 'terbuka';
}

/** The conflicts known at `at` as map rows, open ones last (drawn on top). */
export function conflictMap(list: readonly ConflictRecord[], at: number): ConflictMap {
  const works: ConflictWork[] = [];
  const spots: ConflictSpot[] = [];
  const known = list.filter((c) => c.detectedAt <= at);
  const order = (s: ConflictStatus) => (s === 'terbuka' ? 1 : 0);
  const rows = known.map((c) => ({ c, status: statusAt(c, at) })).sort((a, b) => order(a.status) - order(b.status) || a.c.id - b.c.id);
  for (const { c, status } of rows) {
    for (const side of [c.a, c.b]) {
      if (!side.hidden && side.geometry && side.id)
        works.push({ key: `${c.id}:${side.id}`, conflict: c.id, status, project: side.id, geometry: side.geometry });
    }
    if (c.lon === null || c.lat === null) continue;
    spots.push({
      conflict: c.id,
      status,
      lon: c.lon,
      lat: c.lat,
      sides: [c.a, c.b].map((s) =>
        s.hidden || !s.name ? { hidden: true as const, opd: s.opd } : { hidden: false as const, name: s.name, opd: s.opd },
      ),
    });
  }
  return { works, spots };
}

/**
 * The label of a spot, one side a line (a map label must stay short): "Peningkatan Jalan Kaligawe (DPUPR)" /
 * "↔ Sebuah proyek BPBD berkonflik di sini", with the caller's wording for a hidden side.
 */
export function spotLabel(s: ConflictSpot, hiddenText: (opd: string) => string): string {
  return s.sides.map((x) => (x.hidden ? hiddenText(x.opd) : `${x.name} (${x.opd})`)).join('\n↔ ');
}
