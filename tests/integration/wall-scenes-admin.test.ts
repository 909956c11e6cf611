/**
 * Issue 17: the wall's scenes as data. An admin replaces them (PUT /api/v1/admin/scenes), a bad document is
 * refused with every problem by path and nothing changes, other roles are refused, each change is audited,
 * another server of the cluster (a second scene source on the same database) picks the change up without a
 * restart, and DELETE returns to the built-in scenes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pino from 'pino';
import { stringify } from 'yaml';
import { openStorage, type Storage } from '../../db/storage';
import { createTestDatabase } from '../support/db';
import { DEFAULT_SCENES, type ScenesFile } from '../../shared/scenes';
import { createSceneSource } from '../../server/wall/scenes';
import { createCatalogService } from '../../server/catalog/service';
import { connected, startTestServer, waitFor, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));

/** A scene built only from generic panels of demo codes. */
const GENERIC: ScenesFile = {
  version: 1,
  scenes: [
    {
      id: 'generik',
      title: { id: 'Panel generik', en: 'Generic panels' },
      durationS: 30,
      grid: { columns: 12, rows: 8 },
      panels: [
        {
          type: 'map',
          area: { col: 1, row: 1, w: 7, h: 8 },
          pitch: 0,
          layers: [
            { type: 'metric-layer', metric: 'water_level', style: 'points', regionLevel: 'kelurahan' },
            { type: 'event-layer', kind: 'complaint', style: 'hexagons' },
          ],
        },
        { type: 'metric-kpi', area: { col: 8, row: 1, w: 5, h: 2 }, metrics: ['water_level', 'rainfall'] },
        { type: 'metric-chart', area: { col: 8, row: 3, w: 5, h: 6 }, metric: 'rainfall', windowMin: 60, lines: 'aggregate' },
      ],
    },
  ],
};

async function send(server: TestServer, method: 'PUT' | 'DELETE', token: string | null, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1/admin/scenes`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe.each(backends)('wall scenes as data on %s', (_name, adminUrl) => {
  let server: TestServer;
  let admin: string;
  let operator: string;

  beforeAll(async () => {
    server = await startTestServer(adminUrl);
    [admin, operator] = await Promise.all([server.token('admin'), server.token('operator')]);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves the built-in scenes until an admin stores some', async () => {
    const r = await server.get('/api/v1/wall/scenes', operator);
    expect(r.status).toBe(200);
    expect(r.body.source).toBe('defaults');
  });

  it('refuses a bad document with every problem by path, and changes nothing', async () => {
    const bad = structuredClone(GENERIC) as any;
    bad.scenes[0].panels[1].metrics = ['water_level', 'tidak_ada'];
    bad.scenes[0].panels[0].layers[1].kind = 'laporan_hantu';
    bad.scenes[0].panels[2].area.w = 9; // beyond the 12 columns
    const r1 = await send(server, 'PUT', admin, bad);
    expect(r1.status).toBe(400);
    expect(r1.body.details).toEqual([{ index: null, path: 'scenes.0.panels.2.area.w', message: expect.stringMatching(/beyond the grid/) }]);
    // the shape fixed, the catalog speaks: each unknown code with the path of the field that names it
    bad.scenes[0].panels[2].area.w = 5;
    const r2 = await send(server, 'PUT', admin, bad);
    expect(r2.status).toBe(400);
    expect(r2.body.details).toEqual([
      { index: null, path: 'scenes.0.panels.0.layers.1.kind', message: "no event kind 'laporan_hantu' in the catalog" },
      { index: null, path: 'scenes.0.panels.1.metrics.1', message: "no metric 'tidak_ada' in the catalog" },
    ]);
    const r3 = await send(server, 'PUT', admin, {
      version: 1,
      scenes: [{ ...GENERIC.scenes[0], panels: [{ type: 'metric-kpi', area: { col: 1, row: 1, w: 1, h: 1 }, metrics: ['Bad Code'] }] }],
    });
    expect(r3.status).toBe(400);
    expect(r3.body.details[0].path).toBe('scenes.0.panels.0.metrics.0');
    expect((await server.get('/api/v1/wall/scenes', operator)).body.source).toBe('defaults');
  });

  it('refuses operators, agencies and anonymous callers', async () => {
    const agency = await server.token('agency', 'BPBD');
    expect((await send(server, 'PUT', operator, GENERIC)).status).toBe(403);
    expect((await send(server, 'PUT', agency, GENERIC)).status).toBe(403);
    expect((await send(server, 'PUT', null, GENERIC)).status).toBe(401);
    expect((await send(server, 'DELETE', operator)).status).toBe(403);
  });

  it("stores an admin's scenes, audits it, and another server picks them up without a restart", async () => {
    // another server: its scene source, re-read when its catalog hears the version move (as server/app.ts wires it)
    const other = await createSceneSource({ pool: server.storage.pool, log: pino({ level: 'silent' }) });
    const otherCatalog = await createCatalogService(server.storage.pool, Date.now, { onChanged: () => void other.refresh() });
    // a wall (a signed-in socket) is told live: scenes are catalog data, their change moves the catalog's version
    const wall = server.socket('/live', operator);
    await connected(wall);
    const heard: number[] = [];
    wall.on('catalog:changed', (m) => heard.push(m.version));
    try {
      expect(other.current().source).toBe('defaults');
      const r = await send(server, 'PUT', admin, GENERIC);
      expect(r.status).toBe(200);
      await waitFor('catalog:changed on the wall socket', () => heard.length > 0 || null, 5_000);
      expect(r.body.source).toBe('database');
      expect(r.body.scenes.scenes.map((s: { id: string }) => s.id)).toEqual(['generik']);
      // this server answers the new scenes at once; the other once its catalog hears of the change
      const got = await server.get('/api/v1/wall/scenes', operator);
      expect(got.body.source).toBe('database');
      expect(got.body.scenes.scenes[0].panels[1]).toEqual(GENERIC.scenes[0]!.panels[1]);
      await waitFor('the other server to serve the stored scenes', () => other.current().source === 'database' || null, 5_000);
      expect(other.current().scenes.scenes[0]!.id).toBe('generik');

      const audit = await server.storage.pool.query<{ actor: string; action: string; detail: any }>(
        `SELECT actor, action, detail FROM audit_log WHERE action LIKE 'wall.%' ORDER BY seq`,
      );
      expect(audit.rows.map((a) => a.action)).toEqual(['wall.scenes_replaced']);
      expect(audit.rows[0]!.detail.scenes).toEqual(['generik']);

      // a second save replaces the first; a reset returns to the built-in scenes, everywhere
      expect((await send(server, 'PUT', admin, DEFAULT_SCENES)).body.scenes.scenes).toHaveLength(DEFAULT_SCENES.scenes.length);
      const reset = await send(server, 'DELETE', admin);
      expect(reset.status).toBe(200);
      expect(reset.body.source).toBe('defaults');
      await waitFor('a newer catalog:changed for each change', () => heard.length >= 3 || null, 5_000);
      expect([...heard].sort((a, b) => a - b)).toEqual(heard);
      await waitFor('the other server to serve the built-in scenes again', () => other.current().source === 'defaults' || null, 5_000);
      const actions = await server.storage.pool.query<{ action: string }>(`SELECT action FROM audit_log WHERE action LIKE 'wall.%' ORDER BY seq`);
      expect(actions.rows.map((a) => a.action)).toEqual(['wall.scenes_replaced', 'wall.scenes_replaced', 'wall.scenes_reset']);
    } finally {
      other.close();
      otherCatalog.close();
    }
  });
});

describe('admin scenes import | export | reset', () => {
  const run = promisify(execFile);
  const ADMIN = join(import.meta.dirname, '../../scripts/admin.ts');
  let url: string;
  let drop: () => Promise<void>;
  let storage: Storage;
  let dir: string;
  const admin = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', ADMIN, ...args], { env: { ...process.env, DATABASE_URL: url } });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };

  beforeAll(async () => {
    const db = await createTestDatabase(backends[0]![1]);
    ({ url, drop } = db);
    storage = await openStorage({ databaseUrl: url, dataDir: '/nonexistent' });
    dir = await mkdtemp(join(tmpdir(), 'sinergi-scenes-cli-'));
    expect((await admin('seed', 'demo')).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await storage?.close();
    await drop?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a file naming an unknown metric with its line, stores a good one (audited), exports and resets it', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, stringify(GENERIC).replace('- rainfall', '- curah_hujan'));
    const refused = await admin('scenes', 'import', bad);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/scenes\.0\.panels\.1\.metrics\.1 \(line \d+\): no metric 'curah_hujan' in the catalog/);
    expect(refused.stderr).toMatch(/nothing was stored/);
    expect((await storage.pool.query(`SELECT count(*)::int AS n FROM wall_scene`)).rows[0].n).toBe(0);

    const good = join(dir, 'good.yaml');
    await writeFile(good, stringify(GENERIC));
    const stored = await admin('scenes', 'import', good);
    expect(stored.code).toBe(0);
    expect(stored.stdout).toMatch(/stored 1 scenes/);

    const out = join(dir, 'out.yaml');
    expect((await admin('scenes', 'export', out)).code).toBe(0);
    // the export imports again as the same document
    const again = await admin('scenes', 'import', out);
    expect(again.code).toBe(0);
    expect((await readFile(out, 'utf8')).startsWith('# Sinergi wall scenes, exported from the stored scenes')).toBe(true);

    expect((await admin('scenes', 'reset')).stdout).toMatch(/stored scenes removed/);
    const audit = await storage.pool.query<{ actor: string; action: string; source: string }>(
      `SELECT actor, action, source FROM audit_log WHERE action LIKE 'wall.%' ORDER BY seq`,
    );
    expect(audit.rows.map((a) => [a.action, a.source])).toEqual([
      ['wall.scenes_replaced', 'cli'],
      ['wall.scenes_replaced', 'cli'],
      ['wall.scenes_reset', 'cli'],
    ]);
    expect(audit.rows.every((a) => a.actor.startsWith('cli:'))).toBe(true);
  }, 90_000);
});
