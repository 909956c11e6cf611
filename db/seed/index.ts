/** Seeds the demo deployment: OPD, catalog and the regions of the demo city (idempotent). */
import type pg from 'pg';
import { upsertEventKinds, upsertMetrics, upsertOpd, upsertRegions } from '../queries/catalog';
import { upsertEventSla } from '../queries/event-analytics';
import { DEMO_EVENT_KINDS, DEMO_EVENT_SLA, DEMO_METRICS, DEMO_OPD } from '../../demo/catalog';
import { generateDemoCity } from '../../demo/city';
import { demoBasemapLayers } from '../../demo/basemap/semarang';
import { seedLayersIfEmpty } from '../queries/basemap';

export async function seedDemo(pool: pg.Pool): Promise<{ city: string; regions: number }> {
  const city = await generateDemoCity();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await upsertOpd(client, DEMO_OPD);
    await upsertMetrics(client, DEMO_METRICS);
    await upsertEventKinds(client, DEMO_EVENT_KINDS);
    await upsertEventSla(client, DEMO_EVENT_SLA);
    const province = city.code.slice(0, 2);
    await upsertRegions(client, [
      { code: province, name: 'Jawa Tengah', level: 'provinsi', parent: null, centroid: null, polygon: null },
      ...city.regions.map((r) => ({
        code: r.code,
        name: r.name,
        level: r.level,
        parent: r.parent ?? (r.code === city.code ? province : null),
        centroid: r.centroid,
        polygon: r.polygon,
      })),
    ]);
    await client.query(`INSERT INTO sinergi_meta (key, value) VALUES ('city_code', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [
      city.code,
    ]);
    // the hand-drawn Semarang basemap, unless a basemap was imported (or seeded) before
    await seedLayersIfEmpty(client, demoBasemapLayers());
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  } finally {
    client.release();
  }
  return { city: city.code, regions: city.regions.length };
}
