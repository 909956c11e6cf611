/**
 * The licence of each open dataset (issue 21): one default for all (OPEN_DATA_LICENSE, CC-BY-4.0 unless set) and
 * optional per-dataset overrides (OPEN_DATA_LICENSES, `dataset-id=LICENSE,…`), both parsed once in
 * server/config.ts. Ids are SPDX identifiers; the well-known open ones carry a title and URL, and CKAN's
 * `isopen`. Pure.
 */

export interface License {
  /** SPDX identifier, e.g. CC-BY-4.0. */
  id: string;
  title: string;
  url: string | null;
  /** Whether it is an open licence (opendefinition.org), as CKAN's `isopen`. */
  isOpen: boolean;
}

export const DEFAULT_LICENSE = 'CC-BY-4.0';

const KNOWN: Record<string, Omit<License, 'id'>> = {
  'CC-BY-4.0': { title: 'Creative Commons Attribution 4.0', url: 'https://creativecommons.org/licenses/by/4.0/', isOpen: true },
  'CC-BY-SA-4.0': { title: 'Creative Commons Attribution Share-Alike 4.0', url: 'https://creativecommons.org/licenses/by-sa/4.0/', isOpen: true },
  'CC0-1.0': { title: 'Creative Commons CCZero 1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', isOpen: true },
  'ODbL-1.0': { title: 'Open Data Commons Open Database License 1.0', url: 'https://opendatacommons.org/licenses/odbl/1-0/', isOpen: true },
  'ODC-By-1.0': { title: 'Open Data Commons Attribution License 1.0', url: 'https://opendatacommons.org/licenses/by/1-0/', isOpen: true },
  'PDDL-1.0': {
    title: 'Open Data Commons Public Domain Dedication and License 1.0',
    url: 'https://opendatacommons.org/licenses/pddl/1-0/',
    isOpen: true,
  },
};

/** SPDX-like: letters, digits, dots, dashes and plus signs. */
export const LICENSE_ID = /^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/;

export function license(id: string): License {
  const known = KNOWN[id];
  return known ? { id, ...known } : { id, title: id, url: null, isOpen: false };
}

export interface LicenseConfig {
  default: string;
  /** dataset id → licence id. */
  byDataset: Readonly<Record<string, string>>;
}

/** The licence of one dataset. */
export function licenseOf(config: LicenseConfig | undefined, datasetId: string): License {
  return license(config?.byDataset[datasetId] ?? config?.default ?? DEFAULT_LICENSE);
}

/**
 * `dataset-id=LICENSE,…` → a map; every entry is checked (a typo must fail the start, not publish a wrong
 * licence). Returns the problems instead of throwing, for config.ts's zod refinement.
 */
export function parseLicenseOverrides(text: string): { ok: true; value: Record<string, string> } | { ok: false; error: string } {
  const out: Record<string, string> = {};
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9][a-z0-9-]{0,79})=(.+)$/.exec(part);
    if (!m || !LICENSE_ID.test(m[2]!)) return { ok: false, error: `"${part}" is not dataset-id=LICENSE` };
    out[m[1]!] = m[2]!;
  }
  return { ok: true, value: out };
}
