/**
 * `admin regions import FILE [--dry-run] [--code-prop NAME] [--name-prop NAME]`: a kota's kecamatan and
 * kelurahan/desa boundaries from GeoJSON or a zipped Shapefile (server/regions/import.ts says what is checked).
 * A bad file prints one line per problem (feature index, code, name, reason) and changes nothing (exit 1).
 * The report goes to stdout as JSON with `--json`, else as lines a person reads.
 */
import { readFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Storage } from '../db/storage';
import { assertNever } from '../shared/ack';
import { importRegions, type RegionsImportReport } from '../server/regions/service';

type WithStorage = <T>(fn: (s: Storage) => Promise<T>) => Promise<T>;

/** The CLI reads files an operator names; anything this large is not a kota's boundaries. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

export function describeReport(r: RegionsImportReport): string[] {
  const lines = [
    `${r.dryRun ? 'dry run (nothing written): would import' : 'imported'} ${r.city.name} (${r.city.code}): ${r.kecamatan} kecamatan, ${r.kelurahan} kelurahan/desa`,
    `  ${r.added} new, ${r.updated} updated, ${r.retired.length} retired${r.retired.length ? ` (${r.retired.join(', ')})` : ''}`,
    `  simplified for display at ${r.vertices.toleranceDeg}° (≈ ${Math.round(r.vertices.toleranceDeg * 111_320)} m): ${r.vertices.before} → ${r.vertices.after} vertices`,
  ];
  if (r.previousCity && r.previousCity !== r.city.code) lines.push(`  the deployment's kota changes from ${r.previousCity} to ${r.city.code}`);
  if (r.orphanSeriesTotal || r.orphanEvents) {
    lines.push(
      `  kept, located in retired regions: ${r.orphanSeriesTotal} series, ${r.orphanEvents} events (their feeds should send the new codes):`,
      ...r.orphanSeries.map((s) => `    ${s.metric}\t${s.entity}\t${s.region}`),
    );
    if (r.orphanSeriesTotal > r.orphanSeries.length) lines.push(`    … and ${r.orphanSeriesTotal - r.orphanSeries.length} more`);
  }
  return lines;
}

export function registerRegionCommands(program: Command, withStorage: WithStorage): void {
  const regions = program.command('regions').description("the kota's kecamatan and kelurahan/desa boundaries");
  regions
    .command('import')
    .description("replace the kota's boundaries from GeoJSON or a zipped Shapefile with Kemendagri codes")
    .argument('<file>', 'a .geojson/.json FeatureCollection or a .zip Shapefile (.shp, .dbf, .prj)')
    .option('--dry-run', 'check and report what would change; write nothing')
    .option('--code-prop <name>', 'the attribute holding the Kemendagri code (default: code, kode, kd_kel, KDEPUM, …)')
    .option('--name-prop <name>', 'the attribute holding the name (default: name, nama, NAMOBJ, WADMKD, …)')
    .option('--json', 'print the report as JSON')
    .action((file: string, o: { dryRun?: boolean; codeProp?: string; nameProp?: string; json?: boolean }) =>
      withStorage(async (s) => {
        const size = (await stat(file)).size;
        if (size > MAX_FILE_BYTES) throw new Error(`${file} is ${size} bytes; at most ${MAX_FILE_BYTES}`);
        const result = await importRegions(s.pool, await readFile(file), {
          dryRun: o.dryRun === true,
          codeProp: o.codeProp,
          nameProp: o.nameProp,
          actor: `cli:${userInfo().username}`,
          source: 'cli',
        });
        switch (result.kind) {
          case 'unreadable':
            throw new Error(`${file}: ${result.reason}`);
          case 'invalid':
            for (const p of result.problems)
              process.stderr.write(`${file}: feature ${p.index ?? '-'} (code ${p.code ?? '-'}, name ${p.name ?? '-'}): ${p.reason}\n`);
            if (result.total > result.problems.length) process.stderr.write(`… ${result.total - result.problems.length} more problems\n`);
            throw new Error(`${result.total} problem(s); nothing was imported`);
          case 'imported':
            if (o.json) process.stdout.write(`${JSON.stringify(result.report)}\n`);
            else process.stdout.write(`${describeReport(result.report).join('\n')}\n`);
            return;
          default:
            return assertNever(result);
        }
      }),
    );
}
