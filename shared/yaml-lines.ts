/**
 * YAML files an operator edits (the ingest worker's config, the wall's scenes): parsed with line numbers so
 * every validation error can say which line it is about. Isomorphic (the `yaml` package is pure JS).
 */
import { LineCounter, parseDocument } from 'yaml';

export type YamlParse = { ok: true; value: unknown; where: (path: readonly PropertyKey[]) => string } | { ok: false; errors: string[] };

/**
 * Parses `text`; on success `where(path)` gives " (line N)" for the deepest node on `path` that exists (or '').
 * On a syntax error, one message per error, each starting with "line N:".
 */
export function parseYamlWithLines(text: string): YamlParse {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length) {
    return { ok: false, errors: doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`) };
  }
  const where = (path: readonly PropertyKey[]) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return ` (line ${lineCounter.linePos(node.range[0]).line})`;
    }
    return '';
  };
  return { ok: true, value: doc.toJS(), where };
}
