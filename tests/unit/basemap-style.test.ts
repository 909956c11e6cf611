import { describe, expect, it } from 'vitest';
import { BASEMAP_LABEL_LAYERS, geojsonBasemapLayers, pmtilesBasemapLayers } from '../../client/lib/map/basemap-layers';

type Expr = unknown[];

/** Evaluates the style's `match` on class inside an `interpolate` stop (enough of the expression language for these rules). */
function widthAt(width: unknown, stop: 0 | 1, cls: string): number {
  const e = width as Expr;
  const m = e[3 + stop * 2 + 1] as Expr;
  const i = m.indexOf(cls);
  return (i > 0 && i % 2 === 0 ? m[i + 1] : m[m.length - 1]) as number;
}

describe('basemap style', () => {
  it('slots water under the kelurahan fill, lines under their labels, names between kelurahan and kecamatan names', () => {
    const layers = geojsonBasemapLayers('dark');
    const slot = Object.fromEntries(layers.map((l) => [l.spec.id, l.before]));
    expect(slot).toEqual({
      'basemap-water': 'regions-fill',
      'basemap-coast': 'regions-fill',
      'basemap-land': 'regions-fill',
      'basemap-rivers': 'kelurahan-label',
      'basemap-motorway-casing': 'kelurahan-label',
      'basemap-roads': 'kelurahan-label',
      'basemap-river-label': 'kecamatan-label',
      'basemap-road-label': 'kecamatan-label',
    });
    // the casing goes under the motorway line: it comes first
    expect(layers.findIndex((l) => l.spec.id === 'basemap-motorway-casing')).toBeLessThan(layers.findIndex((l) => l.spec.id === 'basemap-roads'));
  });

  it.each([
    ['the wall at 1080p', { scale: 1, labelPx: 16.8 }, 16.8],
    ['the wall at 4K', { scale: 2, labelPx: 33.6 }, 33.6],
  ])('on %s names are drawn at the wall label size, along the lines, never overlapping', (_n, opts, px) => {
    for (const id of BASEMAP_LABEL_LAYERS) {
      const l = geojsonBasemapLayers('dark', opts).find((x) => x.spec.id === id)!.spec as {
        layout: Record<string, unknown>;
        paint: Record<string, unknown>;
      };
      expect(l.layout['text-size'], id).toBe(px);
      expect(l.layout['symbol-placement'], id).toBe('line');
      expect(l.layout['text-allow-overlap'], id).toBe(false);
      expect(l.layout['text-font'], id).toEqual(['Noto Sans', 'Noto Sans Regular']);
      expect(l.paint['text-halo-width'] as number, id).toBeGreaterThan(0);
    }
  });

  it.each(['dark', 'light'] as const)('%s: toll roads are the widest at every zoom, then trunk, primary, secondary', (theme) => {
    const roads = geojsonBasemapLayers(theme).find((x) => x.spec.id === 'basemap-roads')!.spec as { paint: Record<string, unknown> };
    for (const stop of [0, 1] as const) {
      const w = ['motorway', 'trunk', 'primary', 'secondary', 'residential'].map((c) => widthAt(roads.paint['line-width'], stop, c));
      expect([...w].sort((a, b) => b - a)).toEqual(w);
      expect(new Set(w).size).toBe(w.length);
    }
  });

  it('widths double on a 4K wall and the zoom stops move one level deeper', () => {
    const at = (scale: number) =>
      (geojsonBasemapLayers('dark', { scale }).find((x) => x.spec.id === 'basemap-roads')!.spec as { paint: Record<string, unknown> }).paint[
        'line-width'
      ] as Expr;
    expect(widthAt(at(2), 0, 'motorway')).toBeCloseTo(2 * widthAt(at(1), 0, 'motorway'));
    expect((at(2)[3] as number) - (at(1)[3] as number)).toBeCloseTo(1);
  });

  it('a PMTiles raster is one raster layer; vector tiles read the Protomaps source layers', () => {
    expect(pmtilesBasemapLayers('light', 'png').map((l) => [l.spec.id, l.spec.type])).toEqual([['basemap-raster', 'raster']]);
    const mvt = pmtilesBasemapLayers('dark', 'mvt').map((l) => [l.spec.id, (l.spec as { 'source-layer'?: string })['source-layer']]);
    expect(mvt).toEqual([
      ['basemap-water', 'water'],
      ['basemap-rivers', 'water'],
      ['basemap-roads', 'roads'],
      ['basemap-river-label', 'water'],
      ['basemap-road-label', 'roads'],
    ]);
  });
});
