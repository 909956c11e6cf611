/** Opens the embedded database in argv[2], records a row, says "ready" and waits to be killed. */
import { openStorage } from '../../db/storage';

const storage = await openStorage({ dataDir: process.argv[2]! });
await storage.pool.query(`INSERT INTO opd (code, name) VALUES ('KILLED', 'written before SIGKILL') ON CONFLICT DO NOTHING`);
const { rows } = await storage.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
const postmaster = await import('node:fs/promises').then((fs) => fs.readFile(`${process.argv[2]}/pg/postmaster.pid`, 'utf8'));
process.stdout.write(`ready ${postmaster.split('\n')[0]} ${rows[0]!.pid}\n`);
setInterval(() => {}, 1_000);
