/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
import { loadConfig } from '../server/config';
import { openStorage } from '../db/storage';
import { EmbeddedStartError } from '../db/embedded';
import { SchemaTooNewError } from '../db/migrate';

const config = loadConfig();
try {
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1, log: (m) => console.error(m) });
  console.error(`migrations up to date on ${storage.where} (${storage.dialect})`);
  await storage.close();
} catch (e) {
  // what an operator can act on is one sentence; anything else keeps its stack
  console.error(e instanceof SchemaTooNewError || e instanceof EmbeddedStartError ? e.message : e);
  process.exit(1);
}
