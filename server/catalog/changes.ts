/**
 * Pure rules of a catalog change (issue 17), table-tested in tests/unit/catalog-document.test.ts: what an
 * import changes, how it is validated against what is already there, and which class changes are relaxations.
 *
 * An import (a whole document, or one item) creates and updates; it never deletes (deletes are one item at a
 * time, refused while anything uses the item). So the catalog after an import is: the imported items, then the
 * present items the import does not name. That merged catalog is what `catalogProblems` judges; the imported
 * items come first so a problem's path is the path in the file the admin sent.
 */
import type { DataClass } from '../../shared/catalog';
import {
  catalogProblems,
  SECTION_KEYS,
  type CatalogChange,
  type CatalogDocument,
  type CatalogProblem,
  type CatalogSection,
} from '../../shared/catalog-document';

/**
 * Pure: JSON with object keys sorted, so two equal items compare equal whatever order their keys came in; a key
 * that is null counts as absent (every optional field of the document means the same by either).
 */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined && (v as Record<string, unknown>)[k] !== null)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

const SECTIONS = Object.keys(SECTION_KEYS) as CatalogSection[];
type Item = CatalogDocument[keyof CatalogDocument][number];

/** Pure: the catalog an import leaves (imported items first, in their order; then the present ones not named). */
export function mergeForValidation(current: CatalogDocument, incoming: CatalogDocument): CatalogDocument {
  const out = { ...incoming };
  for (const section of SECTIONS) {
    const key = SECTION_KEYS[section];
    const named = new Set((incoming[key] as Item[]).map((i) => i.code));
    (out as Record<string, Item[]>)[key] = [...(incoming[key] as Item[]), ...(current[key] as Item[]).filter((i) => !named.has(i.code))];
  }
  return out;
}

/**
 * Pure: the problems of importing `incoming` over `current`, with their paths in `incoming`. Present items the
 * import does not name are judged only as what the imported items refer to: an import never removes anything,
 * so it cannot break them, and one present item written before a rule existed must not block every import.
 */
export function importProblems(current: CatalogDocument, incoming: CatalogDocument): CatalogProblem[] {
  const merged = mergeForValidation(current, incoming);
  return catalogProblems(merged).filter((p) => {
    const [key, index] = p.path;
    const list = incoming[key as keyof CatalogDocument] as Item[] | undefined;
    return !list || typeof index !== 'number' || index < list.length;
  });
}

/** Pure: one change per imported item that is new or differs from the present one (unchanged items: none). */
export function diffImport(current: CatalogDocument, incoming: CatalogDocument): CatalogChange[] {
  const out: CatalogChange[] = [];
  for (const section of SECTIONS) {
    const key = SECTION_KEYS[section];
    const present = new Map((current[key] as Item[]).map((i) => [i.code, i]));
    for (const item of incoming[key] as Item[]) {
      const before = present.get(item.code) ?? null;
      if (before && stableJson(before) === stableJson(item)) continue;
      out.push({ section, code: item.code, action: before ? 'updated' : 'created', before, after: item });
    }
  }
  return out;
}

const OPENNESS: Record<DataClass, number> = { rahasia: 0, terbatas: 1, publik: 2 };

/** Pure: whether going from class `from` to `to` opens the item to more readers (rahasia→terbatas/publik, terbatas→publik). */
export const isRelaxation = (from: DataClass, to: DataClass): boolean => OPENNESS[to] > OPENNESS[from];

/** Pure: the changes that relax the class of a metric or event kind, with both classes. */
export function relaxingChanges(
  changes: readonly CatalogChange[],
): { section: 'metrics' | 'event-kinds'; code: string; from: DataClass; to: DataClass }[] {
  return changes.flatMap((c) => {
    if ((c.section !== 'metrics' && c.section !== 'event-kinds') || !c.before || !c.after) return [];
    const from = (c.before as { class: DataClass }).class;
    const to = (c.after as { class: DataClass }).class;
    return isRelaxation(from, to) ? [{ section: c.section, code: c.code, from, to }] : [];
  });
}
