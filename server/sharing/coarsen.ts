/**
 * The region detail of an agreement (issue 19: an owner may narrow a grant to a coarser region): what a read
 * through an agreement of level kecamatan or kota may show. Pure; table-tested in tests/unit/sharing-rules.test.ts.
 *
 * - kelurahan: as recorded;
 * - kecamatan: region codes cut to the kecamatan (`PP.KK.CC`), no positions (a position names the street);
 * - kota: region codes cut to the city (`PP.KK`), no positions.
 *
 * REST answers are coarsened here. Live rooms carry kelurahan detail to every subscriber of a room, so a live
 * subscription through a coarser agreement is refused with that reason (the series and events channels).
 */
import type { RegionLevel } from '../../shared/sharing';
import type { RestResponse } from '../../shared/rest';

const PARTS: Record<RegionLevel, number> = { kelurahan: 4, kecamatan: 3, kota: 2 };

/** A Kemendagri code (`PP.KK.CC.DDDD`) at the level of an agreement. */
export function coarseRegion(code: string | null, level: RegionLevel): string | null {
  if (code === null) return null;
  return code.split('.').slice(0, PARTS[level]).join('.');
}

export function coarsenSeries(range: RestResponse<'SeriesRange'>, level: RegionLevel): RestResponse<'SeriesRange'> {
  if (level === 'kelurahan') return range;
  return { ...range, series: range.series.map((s) => ({ ...s, region: coarseRegion(s.region, level), lon: null, lat: null })) };
}

export function coarsenEventStats<T extends Pick<RestResponse<'EventStats'>, 'byRegion' | 'pastSla'>>(stats: T, level: RegionLevel): T {
  if (level === 'kelurahan') return stats;
  const merged = new Map<string, { t: number; region: string | null; received: number; closed: number }>();
  for (const r of stats.byRegion) {
    const region = coarseRegion(r.region, level);
    const k = `${r.t}\u0000${region}`;
    const m = merged.get(k);
    if (m) {
      m.received += r.received;
      m.closed += r.closed;
    } else merged.set(k, { t: r.t, region, received: r.received, closed: r.closed });
  }
  return {
    ...stats,
    byRegion: [...merged.values()],
    pastSla: { ...stats.pastSla, items: stats.pastSla.items.map((i) => ({ ...i, region: coarseRegion(i.region, level) })) },
  };
}

/** Why a live subscription through an agreement of this level is refused, or null (kelurahan: allowed). */
export function liveRefusal(code: string, via: { agreement: number; regionLevel?: RegionLevel } | undefined): string | null {
  if (!via?.regionLevel || via.regionLevel === 'kelurahan') return null;
  return `agreement ${via.agreement} shares ${code} at ${via.regionLevel} level; live readings carry kelurahan detail, so read it through the REST API`;
}
