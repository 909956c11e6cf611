import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { isObj } from '../lib/api/http';

/** hE's boundary import (POST /api/v1/admin/regions/import): the body is the file itself, GeoJSON or a zip. */
export const ADMIN_REGIONS_IMPORT_PATH = '/api/v1/admin/regions/import';

/**
 * The part of the import report this page shows. hE's branch names the whole answer `RegionsImport` in
 * shared/rest.ts; where both are merged this should become that schema (`regionsImportResponse`).
 */
const importReport = z.object({
  dryRun: z.boolean(),
  kecamatan: z.number().int(),
  kelurahan: z.number().int(),
  added: z.number().int(),
  updated: z.number().int(),
  retired: z.array(z.string()),
});

/** Pure: a refusal's lines (422: one per feature, `#index code name: message`; else the error). */
export function regionProblems(body: unknown, status: number): string[] {
  if (!isObj(body)) return [`HTTP ${status}`];
  const details = Array.isArray(body.details) ? body.details.filter(isObj) : [];
  const lines = details.map((d) => {
    const where = [d.index !== null && d.index !== undefined ? `#${String(d.index)}` : '', d.code ? String(d.code) : '', d.name ? String(d.name) : '']
      .filter(Boolean)
      .join(' ');
    return `${where ? `${where}: ` : ''}${typeof d.message === 'string' ? d.message : ''}`;
  });
  return [typeof body.error === 'string' ? body.error : `HTTP ${status}`, ...lines];
}

/**
 * Boundaries: uploaded here (checked with a dry run first) or imported from the shell. The basemap has no admin
 * route yet: its import is a CLI command, shown here.
 */
export function MapDataSection({ token }: { token: string }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<z.output<typeof importReport> | null>(null);
  const [problems, setProblems] = useState<string[]>([]);

  const send = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    setProblems([]);
    setReport(null);
    try {
      const zip = /\.zip$/i.test(file.name);
      const res = await fetch(`${ADMIN_REGIONS_IMPORT_PATH}${dryRun ? '?dryRun=1' : ''}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Content-Type': zip ? 'application/zip' : 'application/geo+json' },
        body: file,
      });
      const body: unknown = await res.json().catch(() => null);
      const ok = res.ok ? importReport.safeParse(body) : null;
      if (ok?.success) setReport(ok.data);
      else setProblems(regionProblems(body, res.status));
    } catch {
      setProblems([t('admin.map.network')]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="map-section">
      <section aria-labelledby="map-regions">
        <h3 id="map-regions">{t('admin.map.regions')}</h3>
        <p>{t('admin.map.uploadHelp')}</p>
        <div className="field">
          <label htmlFor="regions-file">{t('admin.map.file')}</label>
          <input
            id="regions-file"
            type="file"
            accept=".geojson,.json,.zip,application/geo+json,application/json,application/zip"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            data-testid="regions-file"
          />
        </div>
        <div className="form-buttons">
          <button type="button" className="secondary" disabled={busy || !file} onClick={() => void send(true)} data-testid="regions-check">
            {t('admin.import.check')}
          </button>
          <button type="button" disabled={busy || !report?.dryRun} onClick={() => void send(false)} data-testid="regions-apply">
            {t('admin.import.apply')}
          </button>
        </div>
        {problems.length > 0 && (
          <div className="form-error" role="alert" data-testid="regions-errors">
            <ul>
              {problems.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          </div>
        )}
        {report && (
          <p className="form-note" role="status" data-testid="regions-report">
            {t(report.dryRun ? 'admin.map.wouldImport' : 'admin.map.imported', {
              kecamatan: report.kecamatan,
              kelurahan: report.kelurahan,
              added: report.added,
              updated: report.updated,
              retired: report.retired.length,
            })}
          </p>
        )}
        <p>{t('admin.map.regionsHelp')}</p>
        <pre className="code">npm run admin -- regions import kecamatan-kelurahan.geojson [--dry-run]</pre>
      </section>
      <section aria-labelledby="map-basemap">
        <h3 id="map-basemap">{t('admin.map.basemap')}</h3>
        <p>{t('admin.map.basemapHelp')}</p>
        <pre className="code">npm run admin -- basemap import kota.pmtiles</pre>
      </section>
      <p>{t('admin.map.docs')}</p>
    </div>
  );
}
