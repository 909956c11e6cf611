/** Production mode refuses to start while any enabled account still has a password the demo handed out. */
import type pg from 'pg';
import { usersWithDemoPassword } from '../../db/queries/users';
import { ConfigError } from '../config';

/** A ConfigError, so server/index.ts prints just its message and exits 1. */
export class ProductionSafetyError extends ConfigError {}

/** Throws ProductionSafetyError naming what must change; server/main.ts calls it before listening in production. */
export async function checkProductionSafety(pool: pg.Pool): Promise<void> {
  const demo = await usersWithDemoPassword(pool);
  if (demo.length > 0) {
    throw new ProductionSafetyError(
      `refusing to start in production: ${demo.length} enabled user(s) still have a demo password (${demo.join(', ')}). ` +
        'Set a new password with `npm run admin -- user passwd --username <name>` or disable the account with `npm run admin -- user disable --username <name>`.',
    );
  }
}
