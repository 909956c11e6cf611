import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ACCOUNT_ROLES, adminUsersResponse, userChangedResponse, type AccountRole } from '@shared/accounts';
import type { OpdDoc } from '@shared/catalog-document';
import type { RestResponse } from '@shared/rest';
import { call, type Refusal } from './admin-api';

type User = RestResponse<'AdminUsers'>['users'][number];

/** Pure: a refusal's messages per field (`username`, `password`, `role`, `opd`, `region`) and the rest. */
export function byField(r: Refusal, fields: readonly string[]): { fields: Record<string, string>; general: string | null } {
  const out: Record<string, string> = {};
  for (const d of r.details) if (fields.includes(d.path)) out[d.path] ??= d.message;
  return { fields: out, general: Object.keys(out).length ? null : r.message };
}

const FIELDS = ['username', 'password', 'role', 'opd', 'region'] as const;

/** Pure: the role fields a form sends: an OPD for the agency role only, a region for the wilayah role only. */
export function roleBody(f: { role: AccountRole; opd: string; region: string }): { role: AccountRole; opd: string | null; region: string | null } {
  return { role: f.role, opd: f.role === 'agency' ? f.opd || null : null, region: f.role === 'wilayah' ? f.region.trim() || null : null };
}

/** A labelled input with its error beside it. */
function Field({ id, label, error, children }: { id: string; label: string; error: string | undefined; children: ReactNode }) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error && (
        <span className="field-error" id={`${id}-err`} data-testid={`error-${id}`}>
          {error}
        </span>
      )}
    </div>
  );
}

type RoleValue = { role: AccountRole; opd: string; region: string };

/** The role, its OPD (agency only) and its region (wilayah only): the same three fields in the create and change forms. */
function RoleFields({
  prefix,
  value,
  errors,
  opdOptions,
  onChange,
}: {
  prefix: 'user' | 'row';
  value: RoleValue;
  errors: Record<string, string>;
  opdOptions: ReactNode;
  onChange: (v: Partial<RoleValue>) => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Field id={`${prefix}-role`} label={t('admin.users.role')} error={errors.role}>
        <select id={`${prefix}-role`} value={value.role} onChange={(e) => onChange({ role: e.target.value as AccountRole })}>
          {ACCOUNT_ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`admin.users.roles.${r}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field id={`${prefix}-opd`} label={t('admin.users.opd')} error={errors.opd}>
        <select id={`${prefix}-opd`} value={value.opd} disabled={value.role !== 'agency'} onChange={(e) => onChange({ opd: e.target.value })}>
          {opdOptions}
        </select>
      </Field>
      <Field id={`${prefix}-region`} label={t('admin.users.region')} error={errors.region}>
        <input
          id={`${prefix}-region`}
          inputMode="decimal"
          placeholder="33.74.01"
          value={value.region}
          disabled={value.role !== 'wilayah'}
          onChange={(e) => onChange({ region: e.target.value })}
        />
      </Field>
    </>
  );
}

/** Users: list, add, reset a password, change a role, disable or enable. */
export function UsersSection({ token, opd, self }: { token: string; opd: readonly OpdDoc[]; self: string | null }) {
  const { t } = useTranslation();
  const [users, setUsers] = useState<User[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [form, setForm] = useState({ username: '', password: '', role: 'agency' as AccountRole, opd: '', region: '' });
  const [errors, setErrors] = useState<{ fields: Record<string, string>; general: string | null }>({ fields: {}, general: null });
  const [notice, setNotice] = useState<string | null>(null);
  /** The user whose row shows a password or role form. */
  const [rowForm, setRowForm] = useState<{
    username: string;
    kind: 'password' | 'role';
    password: string;
    role: AccountRole;
    opd: string;
    region: string;
  } | null>(null);
  const [rowErrors, setRowErrors] = useState<{ fields: Record<string, string>; general: string | null }>({ fields: {}, general: null });

  const load = useCallback(async () => {
    const r = await call(token, 'GET', '/api/v1/admin/users', adminUsersResponse);
    if (r.ok) setUsers(r.data.users);
    else setLoadError(r.refusal.message);
  }, [token]);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    const body = { username: form.username, password: form.password, ...roleBody(form) };
    const r = await call(token, 'POST', '/api/v1/admin/users', userChangedResponse, body);
    if (!r.ok) return setErrors(byField(r.refusal, FIELDS));
    setErrors({ fields: {}, general: null });
    setForm({ username: '', password: '', role: form.role, opd: form.opd, region: form.region });
    setNotice(t('admin.users.created', { username: r.data.user.username }));
    await load();
  };

  const change = async (username: string, path: string, body: unknown) => {
    setNotice(null);
    const r = await call(token, 'PUT', `/api/v1/admin/users/${encodeURIComponent(username)}/${path}`, userChangedResponse, body);
    if (!r.ok) {
      setRowErrors(byField(r.refusal, FIELDS));
      return;
    }
    setRowForm(null);
    setRowErrors({ fields: {}, general: null });
    setNotice(t('admin.users.changed', { username, n: r.data.sessionsEnded }));
    await load();
  };

  const opdOptions = (
    <>
      <option value="" />
      {opd.map((o) => (
        <option key={o.code} value={o.code}>
          {o.code} — {o.name}
        </option>
      ))}
    </>
  );

  return (
    <div className="users-section">
      {notice && (
        <p className="form-note" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      {loadError && (
        <p className="form-error" role="alert">
          {t('admin.common.loadError', { message: loadError })}
        </p>
      )}
      <table className="admin-table" data-testid="users-table">
        <thead>
          <tr>
            <th scope="col">{t('admin.users.username')}</th>
            <th scope="col">{t('admin.users.role')}</th>
            <th scope="col">{t('admin.users.status')}</th>
            <th scope="col">{t('admin.users.totp')}</th>
            <th scope="col">{t('admin.common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {users?.map((u) => (
            <tr key={u.username} data-testid={`user-${u.username}`}>
              <td>{u.username}</td>
              <td>
                {t(`admin.users.roles.${u.role}`)}
                {u.opd ? ` · ${u.opd}` : ''}
                {u.region ? ` · ${u.region}` : ''}
              </td>
              <td data-testid={`status-${u.username}`}>{t(`admin.users.statuses.${u.status}`)}</td>
              <td>{u.totpEnabled ? t('admin.common.yes') : t('admin.common.no')}</td>
              <td className="actions">
                <button
                  type="button"
                  onClick={() =>
                    setRowForm({ username: u.username, kind: 'password', password: '', role: u.role, opd: u.opd ?? '', region: u.region ?? '' })
                  }
                >
                  {t('admin.users.setPassword')}
                </button>
                <button
                  type="button"
                  onClick={() =>
                    setRowForm({ username: u.username, kind: 'role', password: '', role: u.role, opd: u.opd ?? '', region: u.region ?? '' })
                  }
                >
                  {t('admin.users.changeRole')}
                </button>
                {u.status === 'disabled' ? (
                  <button type="button" onClick={() => void change(u.username, 'status', { disabled: false })} data-testid={`enable-${u.username}`}>
                    {t('admin.users.enable')}
                  </button>
                ) : (
                  u.username !== self && (
                    <button
                      type="button"
                      className="danger"
                      onClick={() => void change(u.username, 'status', { disabled: true })}
                      data-testid={`disable-${u.username}`}
                    >
                      {t('admin.users.disable')}
                    </button>
                  )
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rowForm && (
        <form
          className="admin-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void (rowForm.kind === 'password'
              ? change(rowForm.username, 'password', { password: rowForm.password })
              : change(rowForm.username, 'role', roleBody(rowForm)));
          }}
          data-testid="user-row-form"
        >
          <h3>
            {rowForm.kind === 'password'
              ? t('admin.users.newPassword', { username: rowForm.username })
              : `${t('admin.users.changeRole')}: ${rowForm.username}`}
          </h3>
          {rowErrors.general && (
            <p className="form-error" role="alert">
              {rowErrors.general}
            </p>
          )}
          {rowForm.kind === 'password' ? (
            <Field id="row-password" label={t('admin.users.password')} error={rowErrors.fields.password}>
              <input
                id="row-password"
                type="password"
                autoComplete="new-password"
                value={rowForm.password}
                onChange={(e) => setRowForm({ ...rowForm, password: e.target.value })}
              />
            </Field>
          ) : (
            <RoleFields
              prefix="row"
              value={rowForm}
              errors={rowErrors.fields}
              opdOptions={opdOptions}
              onChange={(v) => setRowForm({ ...rowForm, ...v })}
            />
          )}
          <div className="form-buttons">
            <button type="submit">{t('admin.common.save')}</button>
            <button type="button" className="secondary" onClick={() => setRowForm(null)}>
              {t('admin.common.cancel')}
            </button>
          </div>
        </form>
      )}
      <form className="admin-form" onSubmit={create} noValidate data-testid="user-form">
        <h3>{t('admin.users.create')}</h3>
        {errors.general && (
          <p className="form-error" role="alert" data-testid="user-form-error">
            {errors.general}
          </p>
        )}
        <Field id="user-username" label={t('admin.users.username')} error={errors.fields.username}>
          <input
            id="user-username"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            value={form.username}
            onChange={(e) => setForm({ ...form, username: e.target.value })}
          />
        </Field>
        <Field id="user-password" label={t('admin.users.password')} error={errors.fields.password}>
          <input
            id="user-password"
            type="password"
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </Field>
        <RoleFields prefix="user" value={form} errors={errors.fields} opdOptions={opdOptions} onChange={(v) => setForm({ ...form, ...v })} />
        <div className="form-buttons">
          <button type="submit" data-testid="user-create">
            {t('admin.users.create')}
          </button>
        </div>
      </form>
    </div>
  );
}
