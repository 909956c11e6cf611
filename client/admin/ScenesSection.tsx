import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { stringify } from 'yaml';
import { z } from 'zod';
import { scenesFileSchema } from '@shared/scenes';
import { wallScenesResponse } from '@shared/rest';
import { parseYamlWithLines } from '@shared/yaml-lines';
import { call } from './admin-api';
import { splitPath } from './forms';

/** Where the wall's scenes document is saved (hB's route; the wall reloads it without a restart). */
export const ADMIN_SCENES_PATH = '/api/v1/admin/scenes';

/** Pure: a scenes document (YAML or JSON) judged by the wall's own schema, each error with its path and line. */
export function checkScenesText(text: string): {
  doc: z.output<typeof scenesFileSchema> | null;
  errors: string[];
  where: (p: readonly (string | number)[]) => string;
} {
  const parsed = parseYamlWithLines(text);
  if (!parsed.ok) return { doc: null, errors: parsed.errors, where: () => '' };
  const r = scenesFileSchema.safeParse(parsed.value);
  if (r.success) return { doc: r.data, errors: [], where: parsed.where };
  return {
    doc: null,
    errors: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}${parsed.where(i.path as (string | number)[])}: ${i.message}`),
    where: parsed.where,
  };
}

/** The wall's scenes as one YAML/JSON document: loaded from the server, checked here, saved through the admin route. */
export function ScenesSection({ token }: { token: string }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [source, setSource] = useState<string | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    void call(token, 'GET', '/api/v1/wall/scenes', wallScenesResponse).then((r) => {
      if (cancelled) return;
      if (r.ok) {
        setText(stringify(r.data.scenes));
        setSource(r.data.source);
      } else setErrors([r.refusal.message]);
    });
    return () => {
      cancelled = true;
    };
  }, [token]);

  const check = () => {
    setNotice(null);
    const c = checkScenesText(text);
    setErrors(c.errors);
    if (c.doc) setNotice(t('admin.scenes.valid', { n: c.doc.scenes.length }));
    return c;
  };

  const save = async () => {
    const c = check();
    if (!c.doc) return;
    setBusy(true);
    const r = await call(token, 'PUT', ADMIN_SCENES_PATH, z.unknown(), c.doc);
    setBusy(false);
    if (r.ok) return setNotice(t('admin.scenes.saved'));
    setNotice(null);
    const d = r.refusal.details;
    setErrors(d.length ? d.map((x) => `${x.path || '(root)'}${c.where(splitPath(x.path))}: ${x.message}`) : [r.refusal.message]);
  };

  return (
    <div className="scenes-section">
      <p>{t('admin.scenes.help')}</p>
      {source && <p className="muted">{t('admin.scenes.source', { source })}</p>}
      <div className="field">
        <label htmlFor="scenes-text">{t('admin.scenes.text')}</label>
        <textarea
          id="scenes-text"
          rows={24}
          spellCheck={false}
          className="code"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={errors.length ? true : undefined}
          aria-describedby={errors.length ? 'scenes-errors' : undefined}
          data-testid="scenes-text"
        />
      </div>
      {errors.length > 0 && (
        <div className="form-error" role="alert" id="scenes-errors" data-testid="scenes-errors">
          <ul>
            {errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        </div>
      )}
      {notice && (
        <p className="form-note" role="status" data-testid="scenes-notice">
          {notice}
        </p>
      )}
      <div className="form-buttons">
        <button type="button" className="secondary" onClick={check} data-testid="scenes-check">
          {t('admin.scenes.validate')}
        </button>
        <button type="button" disabled={busy} onClick={() => void save()} data-testid="scenes-save">
          {t('admin.scenes.save')}
        </button>
      </div>
    </div>
  );
}
