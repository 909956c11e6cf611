import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { stringify } from 'yaml';
import {
  ADMIN_CATALOG_PATHS,
  catalogChangeResponse,
  catalogDocumentSchema,
  catalogProblems,
  pathText,
  zodProblems,
  type CatalogChange,
  type CatalogDocument,
} from '@shared/catalog-document';
import { parseYamlWithLines } from '@shared/yaml-lines';
import { call } from './admin-api';
import { splitPath } from './forms';

/**
 * Pure: a catalog file (YAML or JSON, which is YAML) judged as the server will judge it, every error with its
 * path and line. `doc` is what to send when there is no error.
 */
export function checkCatalogText(text: string): {
  doc: CatalogDocument | null;
  errors: string[];
  where: (path: readonly (string | number)[]) => string;
} {
  const parsed = parseYamlWithLines(text);
  if (!parsed.ok) return { doc: null, errors: parsed.errors, where: () => '' };
  const schema = catalogDocumentSchema.safeParse(parsed.value ?? {});
  const problems = schema.success ? catalogProblems(schema.data) : zodProblems(schema.error);
  return {
    doc: schema.success && problems.length === 0 ? schema.data : null,
    errors: problems.map((p) => `${pathText(p.path)}${parsed.where(p.path)}: ${p.message}`),
    where: parsed.where,
  };
}

function download(name: string, type: string, content: string) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/** Catalog import (upload or paste, dry run first) and export (JSON, YAML). */
export function ImportSection({ token, catalog, onChanged }: { token: string; catalog: CatalogDocument | null; onChanged: () => Promise<void> }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [changes, setChanges] = useState<CatalogChange[] | null>(null);
  const [checkedText, setCheckedText] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (dryRun: boolean) => {
    setNotice(null);
    const local = checkCatalogText(text);
    setErrors(local.errors);
    setChanges(null);
    if (!local.doc) return;
    setBusy(true);
    const r = await call(token, 'PUT', `${ADMIN_CATALOG_PATHS.document}${dryRun ? '?dryRun=1' : ''}`, catalogChangeResponse, local.doc);
    setBusy(false);
    if (!r.ok) {
      const d = r.refusal.details;
      setErrors(d.length ? d.map((x) => `${x.path || '(root)'}${local.where(splitPath(x.path))}: ${x.message}`) : [r.refusal.message]);
      return;
    }
    if (dryRun) {
      setChanges(r.data.changes);
      setCheckedText(text);
    } else {
      setChanges(null);
      setCheckedText(null);
      setNotice(r.data.changes.length ? t('admin.import.applied', { n: r.data.changes.length }) : t('admin.import.noChanges'));
      await onChanged();
    }
  };

  return (
    <div className="import-section">
      <p>{t('admin.import.help')}</p>
      <div className="field">
        <label htmlFor="catalog-file">{t('admin.import.file')}</label>
        <input
          id="catalog-file"
          type="file"
          accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml"
          data-testid="catalog-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void f.text().then(setText);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor="catalog-text">{t('admin.import.text')}</label>
        <textarea
          id="catalog-text"
          rows={14}
          spellCheck={false}
          className="code"
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid="catalog-text"
        />
      </div>
      <div className="form-buttons">
        <button type="button" disabled={busy || !text.trim()} onClick={() => void send(true)} data-testid="catalog-check">
          {t('admin.import.check')}
        </button>
        <button type="button" disabled={busy || checkedText !== text || !changes} onClick={() => void send(false)} data-testid="catalog-apply">
          {t('admin.import.apply')}
        </button>
      </div>
      {errors.length > 0 && (
        <div className="form-error" role="alert" data-testid="catalog-errors">
          <strong>{t('admin.import.errors', { n: errors.length })}</strong>
          <ul>
            {errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        </div>
      )}
      {changes && (
        <div className="form-note" data-testid="catalog-changes">
          <strong>{changes.length ? t('admin.import.changes', { n: changes.length }) : t('admin.import.noChanges')}</strong>
          <ul>
            {changes.map((c) => (
              <li key={`${c.section}:${c.code}`}>
                {t(`admin.import.action.${c.action}`)}: {c.section} <code>{c.code}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {notice && (
        <p className="form-note" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      <h3>{t('admin.import.exportTitle')}</h3>
      <div className="form-buttons">
        <button
          type="button"
          disabled={!catalog}
          onClick={() => download('sinergi-catalog.json', 'application/json', JSON.stringify(catalog, null, 2))}
        >
          {t('admin.import.exportJson')}
        </button>
        <button type="button" disabled={!catalog} onClick={() => download('sinergi-catalog.yaml', 'application/yaml', stringify(catalog))}>
          {t('admin.import.exportYaml')}
        </button>
      </div>
    </div>
  );
}
