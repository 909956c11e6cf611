import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime, localeOf } from '../lib/format';
import { login, type LoginOutcome, type Me } from './auth-api';

type Problem = Exclude<LoginOutcome, { kind: 'ok' }> | { kind: 'expired' };

/** Username and password; the TOTP field appears when the server asks for a second factor. */
export function LoginForm({ expired, onLoggedIn }: { expired: boolean; onLoggedIn: (token: string, me: Me) => void }) {
  const { t, i18n } = useTranslation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [askTotp, setAskTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(expired ? { kind: 'expired' } : null);
  const totpRef = useRef<HTMLInputElement>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !username.trim() || !password) return;
    setBusy(true);
    const r = await login(username.trim(), password, askTotp ? totp : undefined);
    setBusy(false);
    if (r.kind === 'ok') {
      setPassword('');
      setTotp('');
      return onLoggedIn(r.token, r.me);
    }
    if (r.kind === 'totp_required') {
      setAskTotp(true);
      setProblem(askTotp ? { kind: 'invalid' } : r);
      requestAnimationFrame(() => totpRef.current?.focus());
      return;
    }
    setProblem(r);
  };

  const message = (p: Problem): string => {
    switch (p.kind) {
      case 'expired':
        return t('agency.login.expired');
      case 'invalid':
        return t('agency.login.invalid');
      case 'totp_required':
        return t('agency.login.totpRequired');
      case 'locked':
        return p.until ? t('agency.login.lockedUntil', { time: formatTime(p.until, localeOf(i18n.language), false) }) : t('agency.login.locked');
      case 'rate_limited':
        return t('agency.login.rateLimited', { n: p.retryAfterS ?? 60 });
      case 'error':
        return t('agency.login.error');
    }
  };

  return (
    <form className="login" onSubmit={submit} data-testid="login-form" noValidate>
      <h2>{t('agency.login.title')}</h2>
      {problem && (
        <p
          className={problem.kind === 'totp_required' ? 'login-note' : 'login-error'}
          role="alert"
          data-testid="login-problem"
          data-kind={problem.kind}
        >
          {message(problem)}
        </p>
      )}
      <label>
        <span>{t('agency.login.username')}</span>
        <input
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          data-testid="login-username"
          required
        />
      </label>
      <label>
        <span>{t('agency.login.password')}</span>
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="login-password"
          required
        />
      </label>
      {askTotp && (
        <label>
          <span>{t('agency.login.totp')}</span>
          <input
            ref={totpRef}
            name="totp"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 ]*"
            maxLength={7}
            value={totp}
            onChange={(e) => setTotp(e.target.value)}
            data-testid="login-totp"
          />
        </label>
      )}
      <button type="submit" disabled={busy} data-testid="login-submit">
        {busy ? t('agency.login.busy') : t('agency.login.submit')}
      </button>
    </form>
  );
}
