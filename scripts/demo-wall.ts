/**
 * The demo's wall device token, kept across restarts so an open kiosk wall does not go blank when the demo
 * restarts: the token lives in DATA_DIR/demo-wall-token (mode 0600, like the ingest worker's config) and is
 * reused while the database still accepts it. It changes only when an operator rotates it
 * (`npm run admin -- token wall --rotate`), or when the file or the database is new.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { createAccessToken, revokeAccessTokens, verifyAccessToken } from '../db/queries/credentials';
import { demoUsers, type DemoUser } from '../server/auth/demo-users';
import { findUser } from '../db/queries/users';

export const DEMO_WALL_LABEL = 'demo-wall';
const FILE = 'demo-wall-token';

export const wallTokenFile = (dataDir: string) => join(dataDir, FILE);

async function readToken(dataDir: string): Promise<string | null> {
  try {
    const s = (await readFile(wallTokenFile(dataDir), 'utf8')).trim();
    return s.length > 0 ? s : null;
  } catch {
    return null;
  }
}

/** The kept wall token when the database still accepts it as an operator device token; else null. */
export async function currentWallToken(pool: pg.Pool, dataDir: string): Promise<string | null> {
  const token = await readToken(dataDir);
  if (!token) return null;
  const p = await verifyAccessToken(pool, token);
  return p && p.role === 'operator' && !('user' in p && p.user) ? token : null;
}

/** A new wall token: the previous demo wall tokens are revoked, the new one is written to the file. */
export async function rotateWallToken(pool: pg.Pool, dataDir: string): Promise<string> {
  await revokeAccessTokens(pool, DEMO_WALL_LABEL);
  const { token } = await createAccessToken(pool, 'operator', null, DEMO_WALL_LABEL);
  await writeFile(wallTokenFile(dataDir), `${token}\n`, { mode: 0o600 });
  return token;
}

/** The kept token, or a new one when there is none the database accepts. */
export async function ensureWallToken(pool: pg.Pool, dataDir: string): Promise<{ token: string; kept: boolean }> {
  const kept = await currentWallToken(pool, dataDir);
  if (kept) return { token: kept, kept: true };
  return { token: await rotateWallToken(pool, dataDir), kept: false };
}

/** Demo accounts that still have their demo password (for the banner). */
export async function usableDemoUsers(pool: pg.Pool, opdCodes: readonly string[]): Promise<DemoUser[]> {
  const out: DemoUser[] = [];
  for (const u of demoUsers(opdCodes)) {
    const found = await findUser(pool, u.username);
    if (found?.demoPassword && !found.disabledAt) out.push(u);
  }
  return out;
}

/** The demo banner's URL lines (printed at start and by `npm run admin -- urls`). */
export function bannerLines(url: string, wallToken: string | null, accounts: readonly DemoUser[]): string[] {
  const lines = [
    wallToken ? `  wall    ${url}/wall#token=${wallToken}` : `  wall    ${url}/wall  (no wall token: npm run admin -- token wall --rotate)`,
    `  agency  ${url}/agency`,
  ];
  if (accounts.length > 0) lines.push('          demo logins (username / password; production mode refuses to start while they remain):');
  for (const u of accounts) lines.push(`            ${u.role === 'operator' ? 'operator' : `OPD ${u.opd}`}: ${u.username} / ${u.password}`);
  lines.push(`  public  ${url}/public`);
  return lines;
}
