import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import {
  adminCatalogItemPath,
  catalogChangeResponse,
  catalogProblems,
  relaxationSchema,
  SECTION_KEYS,
  sectionItemSchemas,
  zodProblems,
  type CatalogDocument,
  type CatalogProblem,
  type CatalogSection,
  type Relaxation,
} from '@shared/catalog-document';
import { call, type Refusal } from './admin-api';
import { fieldOf, fromForm, SECTION_DEFAULTS, SECTION_FIELDS, splitPath, toForm, type FieldSpec, type FormValues } from './forms';

type Item = { code: string } & Record<string, unknown>;

/** Pure: the problems of `item` saved into `doc` (its schema, then the whole-document rule), by form field. */
export function itemProblems(
  section: CatalogSection,
  doc: CatalogDocument,
  item: Record<string, unknown>,
  replacing: string | null,
): { fields: Record<string, string>; general: string[] } {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  const add = (p: CatalogProblem, index: number | null) => {
    // a problem of the whole document is ours when it is about the edited item
    const own = index === null ? p.path : p.path[0] === SECTION_KEYS[section] && p.path[1] === index ? p.path.slice(2) : null;
    const f = own ? fieldOf(section, own) : null;
    if (f) fields[f] ??= p.message;
    else general.push(`${p.path.join('.')}: ${p.message}`);
  };
  const parsed = sectionItemSchemas[section].safeParse(item);
  if (!parsed.success) {
    zodProblems(parsed.error).forEach((p) => add(p, null));
    return { fields, general };
  }
  const key = SECTION_KEYS[section];
  const list = [...(doc[key] as Item[])];
  const at = replacing === null ? -1 : list.findIndex((x) => x.code === replacing);
  const index = at >= 0 ? at : list.length;
  list[index] = parsed.data as Item;
  catalogProblems({ ...doc, [key]: list }).forEach((p) => add(p, index));
  return { fields, general };
}

const summaryOf = (section: CatalogSection, item: Record<string, unknown>): string => {
  switch (section) {
    case 'opd':
      return String(item.name ?? '');
    case 'domains':
      return String(item.nameId ?? '');
    case 'metrics':
      return `${String(item.nameId)} · ${String(item.unit)} · ${String(item.ownerOpd)} · ${String(item.class)}`;
    case 'event-kinds':
      return `${String(item.nameId)} · ${String(item.ownerOpd)} · ${String(item.class)}`;
  }
};

/** One catalog section: its items, and a form to add, change or delete one. */
export function CatalogEditor({
  token,
  section,
  catalog,
  onChanged,
}: {
  token: string;
  section: CatalogSection;
  catalog: CatalogDocument;
  onChanged: () => Promise<void>;
}) {
  const { t } = useTranslation();
  const items = catalog[SECTION_KEYS[section]] as Item[];
  /** null: no form; '': a new item; a code: editing it. */
  const [editing, setEditing] = useState<string | null>(null);
  const [values, setValues] = useState<FormValues>({});
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [relaxations, setRelaxations] = useState<Relaxation[] | null>(null);

  const open = (code: string | null) => {
    const item = code === null ? SECTION_DEFAULTS[section] : (items.find((i) => i.code === code) ?? {});
    setValues(toForm(section, item));
    setEditing(code ?? '');
    setFieldErrors({});
    setGeneral([]);
    setRelaxations(null);
    setNotice(null);
    // the form sits below a list that can be long: bring it (and its first field) into view
    requestAnimationFrame(() => {
      const form = document.querySelector<HTMLFormElement>('.catalog-editor form');
      form?.scrollIntoView({ block: 'start' });
      form?.querySelector<HTMLElement>('input:not(:disabled), select, textarea')?.focus({ preventScroll: true });
    });
  };

  const showRefusal = (r: Refusal) => {
    const fe: Record<string, string> = {};
    const rest: string[] = [];
    for (const d of r.details) {
      const parts = splitPath(d.path);
      // the document routes name paths from the document's root (`metrics.0.unit`); item routes from the item
      const own = parts[0] === SECTION_KEYS[section] && typeof parts[1] === 'number' ? parts.slice(2) : parts;
      const f = fieldOf(section, own);
      if (f) fe[f] ??= d.message;
      else rest.push(d.path ? `${d.path}: ${d.message}` : d.message);
    }
    setFieldErrors(fe);
    setGeneral(rest.length || !Object.keys(fe).length ? [r.message, ...rest.filter((m) => m !== r.message)] : rest);
  };

  const save = async (confirm: boolean) => {
    const item = fromForm(section, values);
    const local = itemProblems(section, catalog, item, editing || null);
    setFieldErrors(local.fields);
    setGeneral(local.general);
    if (Object.keys(local.fields).length || local.general.length) return;
    const code = String(item.code);
    setBusy(true);
    const r = await call(token, 'PUT', `${adminCatalogItemPath(section, code)}${confirm ? '?confirm=1' : ''}`, catalogChangeResponse, {
      ...item,
      ...(confirm ? { confirm: true } : {}),
    });
    setBusy(false);
    if (r.ok) {
      setEditing(null);
      setRelaxations(null);
      setNotice(t('admin.common.saved'));
      await onChanged();
      return;
    }
    const b = r.refusal.body as { relaxations?: unknown } | null;
    const relax = r.refusal.status === 409 ? z.array(relaxationSchema).safeParse(b?.relaxations) : null;
    if (relax?.success && relax.data.length) return setRelaxations(relax.data);
    showRefusal(r.refusal);
  };

  const remove = async (code: string) => {
    if (!window.confirm(t('admin.common.removeConfirm', { code }))) return;
    const r = await call(token, 'DELETE', adminCatalogItemPath(section, code), catalogChangeResponse);
    if (r.ok) {
      setNotice(t('admin.common.saved'));
      await onChanged();
    } else setNotice(r.refusal.message);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!busy) void save(false);
  };

  const optionsOf = (f: FieldSpec): readonly string[] =>
    f.options === 'opd' ? catalog.opd.map((o) => o.code) : f.options === 'domains' ? catalog.domains.map((d) => d.code) : (f.options ?? []);

  const renderField = (f: FieldSpec) => {
    const id = `f-${section}-${f.key.replace(/\./g, '-')}`;
    const err = fieldErrors[f.key];
    const common = {
      id,
      name: f.key,
      'aria-invalid': err ? true : undefined,
      'aria-describedby': err ? `${id}-err` : undefined,
      'data-testid': `field-${f.key}`,
      disabled: f.key === 'code' && editing !== '',
    };
    const v = values[f.key];
    const set = (x: string | boolean) => setValues((old) => ({ ...old, [f.key]: x }));
    let input;
    if (f.kind === 'checkbox') input = <input type="checkbox" {...common} checked={v === true} onChange={(e) => set(e.target.checked)} />;
    else if (f.kind === 'select')
      input = (
        <select {...common} value={typeof v === 'string' ? v : ''} onChange={(e) => set(e.target.value)}>
          <option value="" />
          {optionsOf(f).map((o) => (
            <option key={o} value={o}>
              {f.key === 'class' ? t(`admin.classes.${o}`) : o}
            </option>
          ))}
        </select>
      );
    else if (f.kind === 'lines' || f.kind === 'textarea')
      input = <textarea {...common} rows={f.kind === 'lines' ? 4 : 2} value={typeof v === 'string' ? v : ''} onChange={(e) => set(e.target.value)} />;
    else
      input = (
        <input
          type="text"
          inputMode={f.kind === 'number' ? 'decimal' : undefined}
          {...common}
          value={typeof v === 'string' ? v : ''}
          onChange={(e) => set(e.target.value)}
        />
      );
    return (
      <div key={f.key} className={`field field-${f.kind}${err ? ' field-invalid' : ''}`}>
        <label htmlFor={id}>
          {t(`admin.fields.${f.key}`)}
          {f.optional && f.kind !== 'checkbox' ? ` ${t('admin.common.optional')}` : ''}
        </label>
        {input}
        {err && (
          <span className="field-error" id={`${id}-err`} data-testid={`error-${f.key}`}>
            {err}
          </span>
        )}
      </div>
    );
  };

  // fields in groups (thresholds, SOP) get a fieldset with a legend
  const fields = SECTION_FIELDS[section];
  const blocks: (FieldSpec | { group: string; fields: FieldSpec[] })[] = [];
  for (const f of fields) {
    const last = blocks.at(-1);
    if (f.group && last && 'fields' in last && last.group === f.group) last.fields.push(f);
    else if (f.group) blocks.push({ group: f.group, fields: [f] });
    else blocks.push(f);
  }

  return (
    <div className="catalog-editor">
      {notice && (
        <p className="form-note" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      <table className="admin-table" data-testid={`items-${section}`}>
        <thead>
          <tr>
            <th scope="col">{t('admin.fields.code')}</th>
            <th scope="col">{t('admin.fields.name')}</th>
            <th scope="col">{t('admin.common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.length === 0 && (
            <tr>
              <td colSpan={3}>{t('admin.common.none')}</td>
            </tr>
          )}
          {items.map((i) => (
            <tr key={i.code} data-testid={`item-${i.code}`}>
              <td>
                <code>{i.code}</code>
              </td>
              <td>{summaryOf(section, i)}</td>
              <td className="actions">
                <button type="button" onClick={() => open(i.code)} data-testid={`edit-${i.code}`}>
                  {t('admin.common.edit')}
                </button>
                <button type="button" className="danger" onClick={() => void remove(i.code)} data-testid={`remove-${i.code}`}>
                  {t('admin.common.remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing === null ? (
        <button type="button" onClick={() => open(null)} data-testid="add-item">
          {t('admin.common.add')}
        </button>
      ) : (
        <form className="admin-form" onSubmit={submit} noValidate data-testid={`form-${section}`}>
          {general.length > 0 && (
            <div className="form-error" role="alert" data-testid="form-errors">
              {general.map((g) => (
                <p key={g}>{g}</p>
              ))}
            </div>
          )}
          {Object.keys(fieldErrors).length > 0 && general.length === 0 && (
            <p className="form-error" role="alert">
              {t('admin.common.formErrors')}
            </p>
          )}
          {blocks.map((b) =>
            'fields' in b ? (
              <fieldset key={b.group}>
                <legend>{t(`admin.fields.${b.group}`)}</legend>
                {b.fields.map(renderField)}
              </fieldset>
            ) : (
              renderField(b)
            ),
          )}
          {relaxations && (
            <div className="form-warning" role="alert" data-testid="relaxation">
              <strong>{t('admin.relax.title')}</strong>
              {relaxations.map((r) => (
                <p key={r.code}>
                  {t('admin.relax.text', {
                    code: r.code,
                    from: r.from,
                    to: r.to,
                    agreements: r.agreements.map((a) => `#${a.id} ${a.granteeOpd} (${a.purpose})`).join(', '),
                  })}
                </p>
              ))}
              <button type="button" onClick={() => void save(true)} data-testid="confirm-relax">
                {t('admin.relax.confirm')}
              </button>
            </div>
          )}
          <div className="form-buttons">
            <button type="submit" disabled={busy} data-testid="save-item">
              {busy ? t('admin.common.saving') : t('admin.common.save')}
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(null)}>
              {t('admin.common.cancel')}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
