/**
 * `admin regions import` and `POST /api/v1/admin/regions/import`: read, check, then replace the kota's regions
 * in one transaction with its audit entry (all or nothing: a bad file changes nothing). A dry run does the
 * same work and rolls it back, so its report (added, updated, retired, series left in retired regions) is
 * exactly what the real import would do.
 */
import type pg from 'pg';
import { appendAudit } from '../../db/queries/audit';
import { replaceCityRegions, type RegionsWritten } from '../../db/queries/regions';
import { loadReference, planImport, readRegionsFile, SIMPLIFY_TOLERANCE_DEG, type ImportOptions, type ImportProblem } from './import';

export interface RegionsImportReport extends RegionsWritten {
  dryRun: boolean;
  city: { code: string; name: string };
  kecamatan: number;
  kelurahan: number;
  vertices: { before: number; after: number; toleranceDeg: number };
}

export type RegionsImportResult =
  | { kind: 'unreadable'; reason: string }
  | { kind: 'invalid'; problems: ImportProblem[]; total: number }
  | { kind: 'imported'; report: RegionsImportReport };

class DryRun extends Error {
  constructor(readonly report: RegionsImportReport) {
    super('dry run');
  }
}

export async function importRegions(
  pool: pg.Pool,
  file: Buffer,
  opts: ImportOptions & { dryRun: boolean; actor: string; source: string | null },
): Promise<RegionsImportResult> {
  const read = await readRegionsFile(file);
  if (!read.ok) return { kind: 'unreadable', reason: read.reason };
  const planned = planImport(read.collection, await loadReference(), opts);
  if (!planned.ok) return { kind: 'invalid', problems: planned.problems, total: planned.total };
  const { plan } = planned;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const written = await replaceCityRegions(client, plan);
    const report: RegionsImportReport = {
      ...written,
      dryRun: opts.dryRun,
      city: { code: plan.city.code, name: plan.city.name },
      kecamatan: plan.regions.filter((r) => r.level === 'kecamatan').length,
      kelurahan: plan.regions.filter((r) => r.level !== 'kecamatan').length,
      vertices: { ...plan.vertices, toleranceDeg: SIMPLIFY_TOLERANCE_DEG },
    };
    if (opts.dryRun) throw new DryRun(report);
    await appendAudit(client, [
      {
        actor: opts.actor,
        action: 'regions.imported',
        target: `region:${plan.city.code}`,
        detail: {
          kecamatan: report.kecamatan,
          kelurahan: report.kelurahan,
          added: written.added,
          updated: written.updated,
          retired: written.retired,
          orphanSeries: written.orphanSeriesTotal,
          orphanEvents: written.orphanEvents,
          previousCity: written.previousCity,
        },
        source: opts.source,
      },
    ]);
    await client.query('COMMIT');
    return { kind: 'imported', report };
  } catch (e) {
    await client.query('ROLLBACK');
    if (e instanceof DryRun) return { kind: 'imported', report: e.report };
    throw e;
  } finally {
    client.release();
  }
}
