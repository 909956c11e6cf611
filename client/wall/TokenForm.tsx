import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageToggle } from '../lib/components/LanguageToggle';

/** Shown when the wall has no operator token (or the server rejected it). */
export function TokenForm({ rejected, onSubmit }: { rejected: boolean; onSubmit: (token: string) => void }) {
  const { t } = useTranslation();
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) onSubmit(value.trim());
  };
  return (
    <div className="token-screen">
      <form className="token-form" onSubmit={submit} data-testid="token-form">
        <div className="token-top">
          <h1>{t('wall.token.title')}</h1>
          <LanguageToggle />
        </div>
        <p>{t('wall.token.hint')}</p>
        {rejected && (
          <p className="token-error" role="alert" data-testid="token-rejected">
            {t('wall.token.rejected')}
          </p>
        )}
        <label>
          <span>{t('wall.token.label')}</span>
          <input
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            data-testid="token-input"
          />
        </label>
        <button type="submit" data-testid="token-submit">
          {t('wall.token.submit')}
        </button>
      </form>
    </div>
  );
}
