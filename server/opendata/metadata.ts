/**
 * Dataset metadata as published by /api/public/v1/datasets (Satu Data Indonesia: metadata with the data
 * dictionary, classification, owner OPD, update cadence, and Kemendagri reference codes) and as a CKAN
 * package dict (ckan.ts). Pure.
 */
import { dictionary, isoDuration, isoWib, type DatasetDef, type ViewDef } from './datasets';
import type { Catalog } from './service';

export const DATASETS_PATH = '/api/public/v1/datasets';
export const CONFORMS_TO =
  'Satu Data Indonesia (Perpres 39/2019): standar data, metadata, interoperabilitas, kode referensi (kode wilayah Kemendagri)';

export const resourceId = (d: DatasetDef, v: ViewDef) => `${d.id}.${v.id}`;
export const dataPath = (d: DatasetDef, v: ViewDef, format: 'csv' | 'json') =>
  `${DATASETS_PATH}/${encodeURIComponent(d.id)}/data.${format}?view=${encodeURIComponent(v.id)}`;

export function spatial(c: Catalog) {
  const city = c.catalog.city;
  return city
    ? { code: city.code, name: city.name, province: city.provinceCode ? { code: city.provinceCode, name: city.provinceName } : null }
    : null;
}

export function datasetMetadata(d: DatasetDef, c: Catalog, opts: { dictionary: boolean }) {
  const modified = c.modified.get(d.id) ?? null;
  return {
    id: d.id,
    title: d.title,
    titleEn: d.titleEn,
    description: d.description,
    descriptionEn: d.descriptionEn,
    domain: d.domain,
    classification: d.classification,
    owner: d.owner,
    updateCadence: isoDuration(d.cadenceS),
    keywords: d.keywords,
    spatial: spatial(c),
    language: 'id',
    conformsTo: CONFORMS_TO,
    license: c.licenseOf(d.id),
    ...(d.source.kind === 'complaints' || d.source.kind === 'complaint-handling' ? { kAnonymity: d.source.k } : {}),
    // a series created after its first readings (a backfill) must not make the dataset issued after it was modified
    issued: d.issued === null ? null : isoWib(modified === null ? d.issued : Math.min(d.issued, modified)),
    modified: modified === null ? null : isoWib(modified),
    links: { self: `${DATASETS_PATH}/${encodeURIComponent(d.id)}`, ckan: `/api/3/action/package_show?id=${encodeURIComponent(d.id)}` },
    resources: d.views.map((v, i) => ({
      id: resourceId(d, v),
      view: v.id,
      default: i === 0,
      title: v.title,
      titleEn: v.titleEn,
      description: v.description,
      descriptionEn: v.descriptionEn,
      updateCadence: isoDuration(v.cadenceS),
      downloads: { csv: dataPath(d, v, 'csv'), json: dataPath(d, v, 'json') },
      ...(opts.dictionary ? { dictionary: dictionary(d, v) } : {}),
    })),
  };
}

export function datasetList(c: Catalog) {
  return {
    updatedAt: isoWib(c.at),
    spatial: spatial(c),
    conformsTo: CONFORMS_TO,
    count: c.datasets.length,
    datasets: c.datasets.map((d) => datasetMetadata(d, c, { dictionary: false })),
  };
}
