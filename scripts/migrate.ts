/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
import { loadConfig } from '../server/config';
import { openStorage } from '../db/storage';

const config = loadConfig();
const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1, log: (m) => console.error(m) });
console.error(`migrations up to date on ${storage.where} (${storage.dialect})`);
await storage.close();
