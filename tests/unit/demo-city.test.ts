import { describe, expect, it, vi } from 'vitest';
import { DEMO_CITY_SEED, generateDemoCity, regionAt, type DemoRegion } from '../../demo/city';
import { REGION_CODE } from '../../shared/schemas';

function ringArea(ring: [number, number][]): number {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  return s / 2;
}

function inRing(ring: [number, number][], lon: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const byLevel = (regions: DemoRegion[], level: DemoRegion['level']): DemoRegion[] => regions.filter((r) => r.level === level);

describe('generateDemoCity', () => {
  it('has Kota Semarang, its 16 kecamatan and 177 kelurahan with Kemendagri codes', async () => {
    const city = await generateDemoCity();
    expect(city.code).toBe('33.74');
    expect(city.name).toBe('Kota Semarang');
    const kota = byLevel(city.regions, 'kota');
    const kecamatan = byLevel(city.regions, 'kecamatan');
    const kelurahan = byLevel(city.regions, 'kelurahan');
    expect(kota).toHaveLength(1);
    expect(kota[0]).toMatchObject({ code: '33.74', name: 'Kota Semarang', parent: null });
    expect(kecamatan).toHaveLength(16);
    expect(kelurahan).toHaveLength(177);
    expect(city.regions).toHaveLength(1 + 16 + 177);

    const codes = new Set(city.regions.map((r) => r.code));
    expect(codes.size).toBe(city.regions.length);
    for (const r of city.regions) expect(r.code).toMatch(REGION_CODE);
    for (const k of kecamatan) {
      expect(k.code).toMatch(/^33\.74\.\d{2}$/);
      expect(k.parent).toBe('33.74');
    }
    for (const k of kelurahan) {
      expect(k.code).toMatch(/^33\.74\.\d{2}\.\d{4}$/);
      expect(k.parent).toBe(k.code.slice(0, 8));
      expect(codes.has(k.parent!)).toBe(true);
      expect(k.name.length).toBeGreaterThan(0);
    }
    expect(kecamatan.map((k) => k.name)).toContain('Semarang Tengah');
  });

  it('gives every kelurahan a valid closed polygon inside the city bbox, counter-clockwise', async () => {
    const city = await generateDemoCity();
    const [x0, y0, x1, y1] = city.bbox;
    for (const r of city.regions) {
      if (r.level === 'kelurahan') expect(r.polygon).not.toBeNull();
      if (!r.polygon) continue;
      expect(r.polygon).toHaveLength(1);
      const ring = r.polygon[0]!;
      expect(ring.length).toBeGreaterThanOrEqual(4);
      expect(ring[0]).toEqual(ring[ring.length - 1]);
      for (const [lon, lat] of ring) {
        expect(Number.isFinite(lon) && Number.isFinite(lat)).toBe(true);
        expect(lon).toBeGreaterThanOrEqual(x0 - 1e-9);
        expect(lon).toBeLessThanOrEqual(x1 + 1e-9);
        expect(lat).toBeGreaterThanOrEqual(y0 - 1e-9);
        expect(lat).toBeLessThanOrEqual(y1 + 1e-9);
      }
      expect(ringArea(ring)).toBeGreaterThan(0);
    }
  });

  it('tiles the city: kelurahan areas add up to the kota, and each kelurahan lies in its kecamatan', async () => {
    const city = await generateDemoCity();
    const kota = byLevel(city.regions, 'kota')[0]!;
    const kelurahan = byLevel(city.regions, 'kelurahan');
    const total = kelurahan.reduce((s, k) => s + ringArea(k.polygon![0]!), 0);
    expect(total / ringArea(kota.polygon![0]!)).toBeCloseTo(1, 2);
    const kecamatan = new Map(byLevel(city.regions, 'kecamatan').map((k) => [k.code, k]));
    for (const k of kelurahan) {
      const parent = kecamatan.get(k.parent!)!;
      expect(inRing(parent.polygon![0]!, k.centroid[0], k.centroid[1])).toBe(true);
    }
    // The north edge is the coast: the city's centre of mass sits around the configured centre.
    expect(city.center).toEqual([110.42, -7.01]);
  });

  it('regionAt finds the kelurahan of each kelurahan centroid, and null outside the city', async () => {
    const city = await generateDemoCity();
    for (const k of byLevel(city.regions, 'kelurahan')) {
      expect(regionAt(city, k.centroid[0], k.centroid[1])).toBe(k.code);
    }
    expect(regionAt(city, 110.42, -6.9)).toBeNull(); // Java Sea
    expect(regionAt(city, 110.1, -7.0)).toBeNull(); // Kabupaten Kendal
  });

  it('regionAt covers the whole city without gaps, boundaries included', async () => {
    const city = await generateDemoCity();
    const outline = byLevel(city.regions, 'kota')[0]!.polygon![0]!;
    const missing: string[] = [];
    for (let lon = 110.27; lon <= 110.5; lon += 0.0025) {
      for (let lat = -7.13; lat <= -6.93; lat += 0.0025) {
        if (inRing(outline, lon, lat) && regionAt(city, lon, lat) === null) missing.push(`${lon},${lat}`);
      }
    }
    // Points exactly on shared edges (midpoints of interior edges) still get a kelurahan.
    for (const k of byLevel(city.regions, 'kelurahan')) {
      const ring = k.polygon![0]!;
      for (let i = 0; i + 1 < ring.length; i++) {
        const mid: [number, number] = [(ring[i]![0] + ring[i + 1]![0]) / 2, (ring[i]![1] + ring[i + 1]![1]) / 2];
        const inside = [
          [1e-4, 0],
          [-1e-4, 0],
          [0, 1e-4],
          [0, -1e-4],
        ].every(([dx, dy]) => inRing(outline, mid[0] + dx!, mid[1] + dy!));
        if (inside && regionAt(city, mid[0], mid[1]) === null) missing.push(`edge ${k.code} ${mid.join(',')}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('is deterministic per seed and cached', async () => {
    const a = await generateDemoCity(DEMO_CITY_SEED);
    const b = await generateDemoCity(DEMO_CITY_SEED);
    expect(b).toBe(a);
    const other = await generateDemoCity(DEMO_CITY_SEED + 1);
    expect(other.regions.map((r) => r.code)).toEqual(a.regions.map((r) => r.code));
    expect(other.regions.find((r) => r.level === 'kelurahan')?.polygon).not.toEqual(a.regions.find((r) => r.level === 'kelurahan')?.polygon);
    // A fresh module (empty cache) computes the same city, byte for byte.
    vi.resetModules();
    const fresh = await import('../../demo/city');
    const again = await fresh.generateDemoCity(DEMO_CITY_SEED);
    expect(again).not.toBe(a);
    expect(JSON.stringify(again)).toBe(JSON.stringify(a));
  });
});
