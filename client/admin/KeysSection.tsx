import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ingestKeyCreatedResponse, ingestKeySchema, ingestKeysResponse, INGEST_KEY_SCOPES } from '@shared/accounts';
import type { OpdDoc } from '@shared/catalog-document';
import type { RestResponse } from '@shared/rest';
import { formatDateTime, localeOf } from '../lib/format';
import { call } from './admin-api';

type Key = RestResponse<'IngestKeys'>['keys'][number];
type Scope = (typeof INGEST_KEY_SCOPES)[number];

/** Ingest keys: by OPD, issue (the secret shown once), revoke. */
export function KeysSection({ token, opd }: { token: string; opd: readonly OpdDoc[] }) {
  const { t, i18n } = useTranslation();
  const [filter, setFilter] = useState('');
  const [keys, setKeys] = useState<Key[] | null>(null);
  const [form, setForm] = useState<{ opd: string; label: string; scopes: Scope[] }>({ opd: '', label: '', scopes: [...INGEST_KEY_SCOPES] });
  const [errors, setErrors] = useState<{ fields: Record<string, string>; general: string | null }>({ fields: {}, general: null });
  const [secret, setSecret] = useState<{ opd: string; secret: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(async () => {
    const r = await call(token, 'GET', `/api/v1/admin/keys${filter ? `?opd=${encodeURIComponent(filter)}` : ''}`, ingestKeysResponse);
    if (r.ok) setKeys(r.data.keys);
    else setNotice(r.refusal.message);
  }, [token, filter]);
  useEffect(() => {
    void load();
  }, [load]);

  const issue = async (e: FormEvent) => {
    e.preventDefault();
    setSecret(null);
    const r = await call(token, 'POST', '/api/v1/admin/keys', ingestKeyCreatedResponse, {
      opd: form.opd,
      label: form.label || null,
      scopes: form.scopes,
    });
    if (!r.ok) {
      const fields: Record<string, string> = {};
      for (const d of r.refusal.details) if (['opd', 'label', 'scopes'].includes(d.path.split('.')[0]!)) fields[d.path.split('.')[0]!] ??= d.message;
      return setErrors({ fields, general: Object.keys(fields).length ? null : r.refusal.message });
    }
    setErrors({ fields: {}, general: null });
    setSecret({ opd: r.data.key.opd, secret: r.data.secret });
    setForm({ ...form, label: '' });
    await load();
  };

  const revoke = async (k: Key) => {
    if (!window.confirm(t('admin.keys.revokeConfirm', { prefix: k.prefix, opd: k.opd }))) return;
    const r = await call(token, 'DELETE', `/api/v1/admin/keys/${k.id}`, ingestKeySchema);
    setNotice(r.ok ? t('admin.common.saved') : r.refusal.message);
    await load();
  };

  const locale = localeOf(i18n.language);
  return (
    <div className="keys-section">
      <p>{t('admin.keys.help')}</p>
      {notice && (
        <p className="form-note" role="status">
          {notice}
        </p>
      )}
      <div className="field field-inline">
        <label htmlFor="keys-filter">{t('admin.keys.filter')}</label>
        <select id="keys-filter" value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="keys-filter">
          <option value="">{t('admin.keys.all')}</option>
          {opd.map((o) => (
            <option key={o.code} value={o.code}>
              {o.code}
            </option>
          ))}
        </select>
      </div>
      <table className="admin-table" data-testid="keys-table">
        <thead>
          <tr>
            <th scope="col">{t('admin.keys.opd')}</th>
            <th scope="col">{t('admin.keys.prefix')}</th>
            <th scope="col">{t('admin.keys.label')}</th>
            <th scope="col">{t('admin.keys.scopes')}</th>
            <th scope="col">{t('admin.keys.created')}</th>
            <th scope="col">{t('admin.keys.state')}</th>
            <th scope="col">{t('admin.common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {keys?.length === 0 && (
            <tr>
              <td colSpan={7}>{t('admin.common.none')}</td>
            </tr>
          )}
          {keys?.map((k) => (
            <tr key={k.id} data-testid={`key-${k.id}`}>
              <td>{k.opd}</td>
              <td>
                <code>{k.prefix}…</code>
              </td>
              <td>{k.label ?? ''}</td>
              <td>{k.scopes.join(', ')}</td>
              <td>{formatDateTime(Date.parse(k.createdAt), locale)}</td>
              <td>{t(`admin.keys.states.${k.state}`)}</td>
              <td className="actions">
                {k.state !== 'revoked' && (
                  <button type="button" className="danger" onClick={() => void revoke(k)} data-testid={`revoke-${k.id}`}>
                    {t('admin.keys.revoke')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {secret && (
        <div className="form-warning secret" role="status" data-testid="key-secret">
          <strong>{t('admin.keys.secretTitle', { opd: secret.opd })}</strong>
          <p>{t('admin.keys.secretNote')}</p>
          <output data-testid="key-secret-value">{secret.secret}</output>
        </div>
      )}
      <form className="admin-form" onSubmit={issue} noValidate data-testid="key-form">
        <h3>{t('admin.keys.issue')}</h3>
        {errors.general && (
          <p className="form-error" role="alert">
            {errors.general}
          </p>
        )}
        <div className={`field${errors.fields.opd ? ' field-invalid' : ''}`}>
          <label htmlFor="key-opd">{t('admin.keys.opd')}</label>
          <select id="key-opd" value={form.opd} onChange={(e) => setForm({ ...form, opd: e.target.value })} data-testid="key-opd">
            <option value="" />
            {opd.map((o) => (
              <option key={o.code} value={o.code}>
                {o.code} — {o.name}
              </option>
            ))}
          </select>
          {errors.fields.opd && <span className="field-error">{errors.fields.opd}</span>}
        </div>
        <div className={`field${errors.fields.label ? ' field-invalid' : ''}`}>
          <label htmlFor="key-label">{t('admin.keys.label')}</label>
          <input id="key-label" value={form.label} onChange={(e) => setForm({ ...form, label: e.target.value })} data-testid="key-label" />
          {errors.fields.label && <span className="field-error">{errors.fields.label}</span>}
        </div>
        <fieldset>
          <legend>{t('admin.keys.scopes')}</legend>
          {INGEST_KEY_SCOPES.map((s) => (
            <label key={s} className="check">
              <input
                type="checkbox"
                checked={form.scopes.includes(s)}
                onChange={(e) => setForm({ ...form, scopes: e.target.checked ? [...form.scopes, s] : form.scopes.filter((x) => x !== s) })}
              />
              {t(`admin.keys.scope.${s}`)}
            </label>
          ))}
          {errors.fields.scopes && <span className="field-error">{errors.fields.scopes}</span>}
        </fieldset>
        <div className="form-buttons">
          <button type="submit" data-testid="key-issue">
            {t('admin.keys.issue')}
          </button>
        </div>
      </form>
    </div>
  );
}
