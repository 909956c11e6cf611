/**
 * Operator token handling for /wall and /agency (never imported by the public page).
 * The wall is opened as `/wall#token=<token>`: the token is moved from the fragment to localStorage and
 * the fragment is removed from the address bar so it is not left on screen or in screenshots.
 */

export const TOKEN_STORAGE_KEY = 'sinergi.token';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Reads `#token=…` (also accepts `#access_token=…`), stores it and strips it from the URL. */
export function takeTokenFromFragment(): string | null {
  const hash = window.location.hash.replace(/^#/, '');
  if (!hash) return null;
  const params = new URLSearchParams(hash);
  const token = (params.get('token') ?? params.get('access_token'))?.trim();
  if (!token) return null;
  params.delete('token');
  params.delete('access_token');
  const rest = params.toString();
  const url = window.location.pathname + window.location.search + (rest ? `#${rest}` : '');
  window.history.replaceState(window.history.state, '', url);
  saveToken(token);
  return token;
}

export function loadToken(): string | null {
  return storage()?.getItem(TOKEN_STORAGE_KEY) || null;
}

export function saveToken(token: string): void {
  storage()?.setItem(TOKEN_STORAGE_KEY, token.trim());
}

export function clearToken(): void {
  storage()?.removeItem(TOKEN_STORAGE_KEY);
}

/** The token to use: from the fragment if present, else the stored one. */
export function resolveToken(): string | null {
  return takeTokenFromFragment() ?? loadToken();
}
