/**
 * `admin basemap import FILE…` and `admin basemap show`: the kota's own map (issue 17). A `.pmtiles` archive,
 * or GeoJSON layers (a FeatureCollection per layer, named by --layer, by the collection's `name`, or by the
 * file name `roads.geojson`; or one collection whose features carry `properties.layer`). Every problem is
 * printed with its layer, feature index and name; with any problem nothing is stored. A running server
 * serves the new basemap within seconds (server/basemap/routes.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { Storage } from '../db/storage';
import { loadLayers, loadPmtiles } from '../db/queries/basemap';
import { importLayers, importPmtiles } from '../server/basemap/service';
import { checkBasemapFile, formatProblem, mergeChecks } from '../server/basemap/validate';
import { BASEMAP_LAYERS, type BasemapLayer } from '../shared/basemap';
import type { Config } from '../server/config';

/** A GeoJSON file larger than this is a province or a planet, not a city's basemap (use PMTiles). */
const MAX_GEOJSON_BYTES = 256 * 1024 * 1024;

const isLayer = (v: string): v is BasemapLayer => (BASEMAP_LAYERS as readonly string[]).includes(v);

export function registerBasemapCommands(program: Command, config: Config, withStorage: <T>(fn: (s: Storage) => Promise<T>) => Promise<T>): void {
  const basemap = program.command('basemap').description('the map under every surface: coast, water, rivers, roads (GeoJSON layers or PMTiles)');
  basemap
    .command('import')
    .description('import a .pmtiles archive, or GeoJSON layers (land, water, rivers, roads); nothing changes if any file is bad')
    .argument('<files...>', 'one .pmtiles file, or one or more .geojson/.json files')
    .option('--layer <layer>', `the layer of a single GeoJSON file (${BASEMAP_LAYERS.join(', ')})`, (v) => {
      if (!isLayer(v)) throw new InvalidArgumentError(`layer must be one of ${BASEMAP_LAYERS.join(', ')}`);
      return v;
    })
    .action((files: string[], o: { layer?: BasemapLayer }) =>
      withStorage(async (s) => {
        const actor = `cli:${userInfo().username}`;
        const pm = files.filter((f) => extname(f).toLowerCase() === '.pmtiles');
        if (pm.length) {
          if (files.length > 1) throw new Error('import a .pmtiles archive on its own');
          const r = await importPmtiles(s.pool, config.basemapDir, pm[0]!, { actor });
          if (r.kind === 'invalid') throw new Error(`${pm[0]}: ${r.reason}; nothing was changed`);
          const st = r.stored;
          process.stdout.write(
            `imported ${st.source}: ${st.tileType} tiles, zoom ${st.minZoom}–${st.maxZoom}, ${(st.sizeBytes / 1e6).toFixed(1)} MB (${config.basemapDir}/${st.fileName})\n`,
          );
          return;
        }
        if (o.layer && files.length > 1)
          throw new Error('--layer names the layer of one file; import several files without it (each named by its file name)');
        const checks = [];
        for (const file of files) {
          const size = (await stat(file)).size;
          if (size > MAX_GEOJSON_BYTES) throw new Error(`${file}: ${(size / 1e6).toFixed(0)} MB is too large for GeoJSON; use a PMTiles archive`);
          let json: unknown;
          try {
            json = JSON.parse(await readFile(file, 'utf8'));
          } catch (e) {
            throw new Error(`${file}: not JSON (${e instanceof Error ? e.message : String(e)}); nothing was changed`);
          }
          const stem = basename(file).replace(/\.(geo)?json$/i, '');
          checks.push({ file, check: checkBasemapFile(file, json, o.layer ?? (isLayer(stem) ? stem : undefined)) });
        }
        const merged = mergeChecks(checks);
        if (!merged.ok) {
          const shown = merged.problems.slice(0, 50);
          for (const p of shown) process.stderr.write(`${formatProblem(p)}\n`);
          if (merged.problems.length > shown.length) process.stderr.write(`… and ${merged.problems.length - shown.length} more\n`);
          throw new Error(`${merged.problems.length} problem(s); nothing was changed`);
        }
        const r = await importLayers(s.pool, merged.layers, { source: files.map((f) => basename(f)).join(', '), actor });
        for (const [l, n] of Object.entries(r.counts)) process.stdout.write(`imported ${l}: ${n} features\n`);
      }),
    );
  basemap
    .command('show')
    .description('what the basemap holds')
    .action(() =>
      withStorage(async (s) => {
        for (const l of await loadLayers(s.pool)) {
          process.stdout.write(`${l.layer}\t${l.featureCount} features\t${l.source}\t${l.importedAt.toISOString()}\n`);
        }
        const p = await loadPmtiles(s.pool);
        if (p) process.stdout.write(`pmtiles\t${p.tileType} z${p.minZoom}–${p.maxZoom}\t${p.source}\t${p.importedAt.toISOString()}\n`);
      }),
    );
}
