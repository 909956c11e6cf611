/**
 * The demo's accounts: one operator and one agency user per demo OPD, with passwords everyone can read in the
 * demo banner. They are flagged as demo passwords, so production mode refuses to start while one is left.
 */
import type pg from 'pg';
import { findUser } from '../../db/queries/users';
import { addUser, type ChangeContext } from './accounts';
import { DEMO_PASSWORD_PREFIX } from './password';

export interface DemoUser {
  username: string;
  password: string;
  role: 'operator' | 'agency';
  opd: string | null;
}

export function demoUsers(opdCodes: readonly string[]): DemoUser[] {
  return [
    { username: 'operator', password: `${DEMO_PASSWORD_PREFIX}operator`, role: 'operator', opd: null },
    ...opdCodes.map((code) => {
      const username = code.toLowerCase();
      return { username, password: `${DEMO_PASSWORD_PREFIX}${username}`, role: 'agency' as const, opd: code };
    }),
  ];
}

/**
 * Creates the demo accounts that do not exist yet and returns those that still have their demo password
 * (an account whose password was changed, or that was disabled, is left alone and not returned).
 * Throws in production: demo passwords exist only outside it.
 */
export async function ensureDemoUsers(pool: pg.Pool, env: string, opdCodes: readonly string[], ctx: ChangeContext): Promise<DemoUser[]> {
  if (env === 'production') throw new Error('demo accounts are never created in production mode');
  const usable: DemoUser[] = [];
  for (const u of demoUsers(opdCodes)) {
    const existing = await findUser(pool, u.username);
    if (existing) {
      if (existing.demoPassword && !existing.disabledAt) usable.push(u);
      continue;
    }
    await addUser(pool, u, ctx, { demoPassword: true });
    usable.push(u);
  }
  return usable;
}
