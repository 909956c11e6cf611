/**
 * The API page (/api/docs): the OpenAPI document rendered on the server as one static HTML page. No script
 * (the Content-Security-Policy allows none inline, and none is needed: <details> folds the schemas), no
 * remote asset, styles in one <style> element. Everything from the document is HTML-escaped. In Bahasa
 * Indonesia by default (`?lang=en` for English, strings-id.ts): an operation without an Indonesian summary keeps
 * its English text, marked `lang="en"`.
 */
import { escapeHtml } from '../public/shell';
import { INFO_ID, PAGE_WORDS, SECURITY_ID, summaryId, TAGS_ID, type DocsLang } from './strings-id';

const esc = (s: unknown) => escapeHtml(String(s));

/** `code` spans for `backticks`, nothing else: descriptions are plain text. */
const prose = (s: unknown) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const anchor = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '-');

function schemaBlock(schema: unknown): string {
  const s = obj(schema);
  const r = typeof s.$ref === 'string' ? s.$ref : null;
  if (r) {
    const name = r.split('/').pop()!;
    return `<a href="#schema-${esc(anchor(name))}">${esc(name)}</a>`;
  }
  return `<details><summary>schema</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`;
}

function content(c: unknown): string {
  const entries = Object.entries(obj(c));
  if (!entries.length) return '';
  return entries.map(([type, v]) => `<div class="ct"><code>${esc(type)}</code> ${schemaBlock(obj(v).schema)}</div>`).join('');
}

type Words = Record<string, string>;

/** Text in the page's language when there is a translation, else the English one marked as English. */
const localised = (lang: DocsLang, en: unknown, id: string | undefined, tag = 'span') =>
  lang === 'en' || id === undefined ? (lang === 'en' ? prose(en ?? '') : `<${tag} lang="en">${prose(en ?? '')}</${tag}>`) : prose(id);

function operation(path: string, method: string, op: Obj, lang: DocsLang, w: Words): string {
  const id = typeof op.operationId === 'string' ? op.operationId : `${method}-${path}`;
  const params = Array.isArray(op.parameters) ? (op.parameters as Obj[]) : [];
  const security = Array.isArray(op.security) ? (op.security as Obj[]) : [];
  const auth = security.length === 0 ? w.none! : security.map((s) => (Object.keys(s).length ? Object.keys(s).join(' + ') : w.anonymous!)).join(w.or!);
  const body = obj(op.requestBody);
  const responses = Object.entries(obj(op.responses));
  return `
<section class="op" id="op-${esc(anchor(id))}">
  <h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
  <p class="summary">${localised(lang, op.summary, summaryId(id))}</p>
  ${op.description ? (lang === 'en' ? `<p>${prose(op.description)}</p>` : `<p lang="en">${prose(op.description)}</p>`) : ''}
  <p class="auth">${esc(w.authorization)}: ${esc(auth)}</p>
  ${
    params.length
      ? `<h4>${esc(w.parameters)}</h4><table><thead><tr><th>${esc(w.name)}</th><th>${esc(w.in)}</th><th>${esc(w.required)}</th><th>${esc(w.schema)}</th><th>${esc(w.description)}</th></tr></thead><tbody>${params
          .map(
            (p) =>
              `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${esc(p.required ? w.yes : w.no)}</td><td><pre class="inline">${esc(JSON.stringify(p.schema))}</pre></td><td>${prose(p.description ?? '')}</td></tr>`,
          )
          .join('')}</tbody></table>`
      : ''
  }
  ${Object.keys(body).length ? `<h4>${esc(w.requestBody)}${body.required ? '' : esc(w.optional)}</h4>${body.description ? `<p>${prose(body.description)}</p>` : ''}${content(body.content)}` : ''}
  <h4>${esc(w.responses)}</h4>
  <table><thead><tr><th>${esc(w.status)}</th><th>${esc(w.meaning)}</th><th>${esc(w.body)}</th></tr></thead><tbody>${responses
    .map(
      ([status, r]) => `<tr><td><code>${esc(status)}</code></td><td>${prose(obj(r).description ?? '')}</td><td>${content(obj(r).content)}</td></tr>`,
    )
    .join('')}</tbody></table>
</section>`;
}

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1b1f24;background:#fff}
header,main{max-width:72rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem;border-bottom:1px solid #d0d7de}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.3rem;margin-top:2rem;border-bottom:2px solid #d0d7de}
h3{font-size:1.05rem;margin:.2rem 0}
h4{font-size:.95rem;margin:.8rem 0 .3rem}
nav>ul{columns:2;padding-left:1.2rem}nav li{break-inside:avoid}nav ul ul{padding-left:1rem}nav code{overflow-wrap:anywhere}
.op{border:1px solid #d0d7de;border-radius:6px;padding:.6rem .9rem;margin:1rem 0}
.m{display:inline-block;min-width:3.6rem;text-align:center;border-radius:4px;color:#fff;font-weight:700;font-size:.8rem;padding:.1rem .3rem}
.get{background:#0a6b3d}.post{background:#0b5cad}.put,.patch{background:#8a5a00}.delete{background:#b3261e}
.summary{font-weight:600;margin:.2rem 0}
.auth{color:#57606a;font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:.8rem;max-height:32rem}
pre.inline{margin:0;padding:.2rem;white-space:pre-wrap;word-break:break-word;max-height:none}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em}
a{color:#0b5cad}
@media (max-width:40rem){nav>ul{columns:1}}
`;

/** The whole page, in Bahasa Indonesia unless `lang` is 'en'. */
export function renderApiDocs(doc: Obj, lang: DocsLang = 'id'): string {
  const w = PAGE_WORDS[lang];
  const other: DocsLang = lang === 'id' ? 'en' : 'id';
  const info = obj(doc.info);
  const paths = obj(doc.paths);
  const tags = (Array.isArray(doc.tags) ? (doc.tags as Obj[]) : []).map((t) => ({ name: String(t.name), description: String(t.description ?? '') }));
  const byTag = new Map<string, { path: string; method: string; op: Obj }[]>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = obj(obj(item)[method]);
      if (!Object.keys(op).length) continue;
      const tag = Array.isArray(op.tags) && typeof op.tags[0] === 'string' ? op.tags[0] : 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ path, method, op });
      if (!tags.some((t) => t.name === tag)) tags.push({ name: tag, description: '' });
    }
  }
  const schemas = Object.entries(obj(obj(doc.components).schemas));
  const security = Object.entries(obj(obj(doc.components).securitySchemes));
  const sections = tags
    .filter((t) => byTag.has(t.name))
    .map(
      (t) => `
<h2 id="tag-${esc(anchor(t.name))}">${esc(t.name)}</h2>
${t.description ? `<p>${localised(lang, t.description, TAGS_ID[t.name])}</p>` : ''}
${byTag
  .get(t.name)!
  .map((o) => operation(o.path, o.method, o.op, lang, w))
  .join('')}`,
    )
    .join('');
  const toc = tags
    .filter((t) => byTag.has(t.name))
    .map(
      (t) =>
        `<li><a href="#tag-${esc(anchor(t.name))}">${esc(t.name)}</a><ul>${byTag
          .get(t.name)!
          .map(
            (o) =>
              `<li><a href="#op-${esc(anchor(String(o.op.operationId ?? `${o.method}-${o.path}`)))}">${esc(o.method.toUpperCase())} <code>${esc(o.path)}</code></a></li>`,
          )
          .join('')}</ul></li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title ?? 'API')} ${esc(info.version ?? '')}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(info.title ?? 'API')} <small>${esc(info.version ?? '')}</small></h1>
<p>${prose(lang === 'id' ? INFO_ID.summary : (info.summary ?? ''))}</p>
<p>${esc(w.document!.replace('{v}', String(doc.openapi)))}: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> · <a href="?lang=${other}" hreflang="${other}" lang="${other}" data-testid="docs-lang">${esc(w.switch)}</a></p>
</header>
<main>
${String(lang === 'id' ? INFO_ID.description : (info.description ?? ''))
  .split('\n\n')
  .map((p) => `<p>${prose(p)}</p>`)
  .join('')}
<h2>${esc(w.authorization)}</h2>
<table><thead><tr><th>${esc(w.scheme)}</th><th>${esc(w.type)}</th><th>${esc(w.description)}</th></tr></thead><tbody>${security
    .map(
      ([name, s]) =>
        `<tr><td><code>${esc(name)}</code></td><td>${esc(obj(s).type)} ${esc(obj(s).scheme ?? '')}</td><td>${localised(lang, obj(s).description, SECURITY_ID[name])}</td></tr>`,
    )
    .join('')}</tbody></table>
<nav><h2>${esc(w.endpoints)}</h2><ul>${toc}</ul></nav>
${sections}
<h2 id="schemas">${esc(w.schemas)}</h2>
${schemas.map(([name, s]) => `<section id="schema-${esc(anchor(name))}"><h3><code>${esc(name)}</code></h3><pre>${esc(JSON.stringify(s, null, 2))}</pre></section>`).join('')}
</main>
</body>
</html>
`;
}
