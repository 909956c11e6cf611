/**
 * Catalog files an admin edits (YAML or JSON: `npm run admin -- catalog import|validate FILE`): parsed with
 * line numbers so every problem — of the syntax, of one item, or of the catalog as a whole — names its line
 * (shared/yaml-lines.ts, as the wall's scenes file does). JSON is read by the same parser (JSON is YAML), so its
 * errors carry lines too. Pure.
 */
import { stringify } from 'yaml';
import { catalogDocumentSchema, pathText, zodProblems, type CatalogDocument, type CatalogProblem } from '../../shared/catalog-document';
import { parseYamlWithLines } from '../../shared/yaml-lines';

export type CatalogFile = { ok: true; doc: CatalogDocument; where: (path: readonly (string | number)[]) => string } | { ok: false; errors: string[] };

/** Pure: one line per problem, `path (line N): message`. */
export const problemLines = (problems: readonly CatalogProblem[], where: (path: readonly (string | number)[]) => string = () => ''): string[] =>
  problems.map((p) => `${pathText(p.path)}${where(p.path)}: ${p.message}`);

/** Pure: the text of a catalog file → the document (schema-checked item by item), or every problem with its line. */
export function parseCatalogFile(text: string): CatalogFile {
  const parsed = parseYamlWithLines(text);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  if (parsed.value === null || parsed.value === undefined) return { ok: false, errors: ['the file is empty'] };
  const doc = catalogDocumentSchema.safeParse(parsed.value);
  if (!doc.success) return { ok: false, errors: problemLines(zodProblems(doc.error), parsed.where) };
  return { ok: true, doc: doc.data, where: parsed.where };
}

const HEADER = [
  'Sinergi catalog (issue 17): OPD, domains, metrics and event kinds.',
  'Edit and load with `npm run admin -- catalog import FILE` (add --dry-run to see the changes first).',
  'An import creates and updates; it never deletes (DELETE /api/v1/admin/catalog/<section>/<code> does, when unused).',
];

/** Pure: the document as a file: YAML (with a header comment) or JSON. */
export function formatCatalog(doc: CatalogDocument, format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  return `${HEADER.map((l) => `# ${l}`).join('\n')}\n${stringify(doc, { lineWidth: 0 })}`;
}
