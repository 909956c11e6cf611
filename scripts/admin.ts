/**
 * Administration CLI: `npm run --silent admin -- <command>`. Results go to stdout (a new key alone on its
 * line, so scripts can capture it); diagnostics go to stderr. Uses DATABASE_URL, or the embedded database in
 * DATA_DIR (shared with a running demo, never stopped under it).
 */
import { userInfo } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { appendAudit, useAuditKey } from '../db/queries/audit';
import { loadAuditKey } from '../server/audit/key';
import { inTransaction } from '../db/transaction';
import { loadConfig } from '../server/config';
import { openStorage, type Storage } from '../db/storage';
import { loadCatalog, setPublicHistory } from '../db/queries/catalog';
import { bumpCatalogVersion } from '../db/queries/catalog-admin';
import { AGREEMENT_REFRESH_MS } from '../server/catalog/service';
import { createAccessToken, type TokenRole } from '../db/queries/credentials';
import { countQuarantine, listHealth, listQuarantine, quarantineOverflow, resolveQuarantine } from '../db/queries/feeds';
import { seedDemo } from '../db/seed';
import { registerAccessCommands, requireOpd } from './admin-access';
import { registerBackupCommands } from './admin-backup';
import { registerBasemapCommands } from './admin-basemap';
import { registerBriefingCommands } from './admin-briefing';
import { registerCatalogCommands } from './admin-catalog';
import { registerDoctorCommand } from './admin-doctor';
import { registerUserCommands } from './admin-users';
import { registerSceneCommands } from './admin-scenes';
import { registerRegionCommands } from './admin-regions';
import { feedState } from '../shared/feeds';
import { bannerLines, currentWallToken, rotateWallToken, usableDemoUsers } from './demo-wall';

const config = loadConfig();
// The audit key, if the server made one: this CLI appends to a keyed chain with it, and never creates one.
const auditKey = await loadAuditKey(config.auditHmacKeyFile, { create: false });
useAuditKey(auditKey);

async function withStorage<T>(fn: (s: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

const CATALOG_REFRESH_S = AGREEMENT_REFRESH_MS / 1000;

const program = new Command().name('admin').description('Sinergi administration').showHelpAfterError();

const agency = program.command('agency').description('OPD (agencies)');
agency
  .command('list')
  .description('list the OPD codes and names')
  .action(() =>
    withStorage(async (s) => {
      for (const o of (await loadCatalog(s.pool)).opd) process.stdout.write(`${o.code}\t${o.name}\n`);
    }),
  );

registerAccessCommands(program, withStorage, { anchorDir: config.auditAnchorDir, key: auditKey });
registerUserCommands(program, withStorage);
registerRegionCommands(program, withStorage);
registerBackupCommands(program, config, withStorage);
registerDoctorCommand(program, config);
registerBriefingCommands(program, config, withStorage);
registerBasemapCommands(program, config, withStorage);
registerCatalogCommands(program, withStorage);
registerSceneCommands(program, config, withStorage);

const token = program.command('token').description('access tokens for walls and operator tools');
token
  .command('create')
  .description('create an access token; prints only the token')
  .requiredOption('--role <role>', 'admin | operator | agency', (v) => {
    if (!['admin', 'operator', 'agency'].includes(v)) throw new InvalidArgumentError('role must be admin, operator or agency');
    return v as TokenRole;
  })
  .option('--agency <code>', 'the OPD (required for role agency)')
  .option('--label <text>', 'a note to recognise the token by')
  .action((o: { role: TokenRole; agency?: string; label?: string }) =>
    withStorage(async (s) => {
      if ((o.role === 'agency') !== Boolean(o.agency)) throw new Error('--agency is required for role agency, and only for it');
      if (o.agency) await requireOpd(s, o.agency);
      // audited in the same transaction: a token that never expires is worth knowing about
      const secret = await inTransaction(s.pool, async (c) => {
        const made = await createAccessToken(c, o.role, o.agency ?? null, o.label ?? null);
        await appendAudit(c, [
          {
            actor: `cli:${userInfo().username}`,
            action: 'token.created',
            target: `token:${made.id}`,
            detail: { role: o.role, opd: o.agency ?? null, label: o.label ?? null, expires: null },
            source: 'cli',
          },
        ]);
        return made.token;
      });
      process.stdout.write(`${secret}\n`);
    }),
  );

token
  .command('wall')
  .description("the demo wall's device token (kept across demo restarts); --rotate issues a new one and revokes the old")
  .option('--rotate', 'revoke the current wall token and issue a new one (open walls must be given the new URL)')
  .action((o: { rotate?: boolean }) =>
    withStorage(async (s) => {
      const t = o.rotate ? await rotateWallToken(s.pool, config.dataDir) : await currentWallToken(s.pool, config.dataDir);
      if (!t) throw new Error('no demo wall token yet; start the demo once, or use --rotate');
      process.stdout.write(`${t}\n`);
    }),
  );

program
  .command('urls')
  .description('print the demo banner again: the wall (with its kept token), agency and public addresses')
  .action(() =>
    withStorage(async (s) => {
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${config.port}`;
      const opd = (await loadCatalog(s.pool)).opd.map((o) => o.code);
      const accounts = config.env === 'production' ? [] : await usableDemoUsers(s.pool, opd);
      for (const line of bannerLines(url, await currentWallToken(s.pool, config.dataDir), accounts)) process.stdout.write(`${line}\n`);
    }),
  );

const quarantine = program.command('quarantine').description('records ingest workers refused, with the reason');
quarantine
  .command('list')
  .description('newest quarantined records first')
  .option('--source <name>', 'only this source')
  .option('--agency <code>', 'only this OPD')
  .option('--limit <n>', 'how many', (v) => Number(v), 50)
  .option('--resolved', 'the resolved ones instead of the open ones')
  .action((o: { source?: string; agency?: string; limit: number; resolved?: boolean }) =>
    withStorage(async (s) => {
      for (const q of await listQuarantine(s.pool, { source: o.source, opd: o.agency, limit: o.limit, resolved: Boolean(o.resolved) })) {
        process.stdout.write(
          `${q.id}\t${new Date(q.time).toISOString()}\t${q.source}\t${q.opd ?? '-'}\t${q.origin}\t${q.reason}\tmapping v${q.mappingVersion ?? '-'}\t#${q.index ?? '-'}\t${q.data.slice(0, 200)}\n`,
        );
      }
    }),
  );
quarantine
  .command('count')
  .description('quarantined records per source and OPD')
  .action(() =>
    withStorage(async (s) => {
      for (const c of await countQuarantine(s.pool)) process.stdout.write(`${c.source}\t${c.opd ?? '-'}\t${c.n}\n`);
      for (const o of await quarantineOverflow(s.pool))
        process.stdout.write(`${o.opd}\toverflow\t${o.dropped} refused (quarantine full), last ${new Date(o.lastAt).toISOString()}\n`);
    }),
  );
quarantine
  .command('resolve')
  .description('mark quarantined records as dealt with (by id); resolved rows are deleted after QUARANTINE_RETENTION_DAYS')
  .argument('<ids...>', 'row ids from `quarantine list`')
  .action((ids: string[]) =>
    withStorage(async (s) => {
      const valid = ids.map((i) => Number(i)).filter((i) => Number.isSafeInteger(i) && i > 0);
      const by = `cli:${userInfo().username}`;
      const n = await resolveQuarantine(s.pool, valid, by);
      await appendAudit(s.pool, [
        { actor: by, action: 'quarantine.resolved', target: 'quarantine', detail: { ids: valid, resolved: n }, source: 'cli' },
      ]);
      process.stdout.write(`${n} resolved\n`);
    }),
  );

program
  .command('feeds')
  .description('health of every ingest source as its worker last reported it')
  .action(() =>
    withStorage(async (s) => {
      const now = Date.now();
      for (const h of await listHealth(s.pool)) {
        const age = (t: number | null) => (t === null ? 'never' : `${Math.round((now - t) / 1000)} s ago`);
        process.stdout.write(
          `${h.opd}\t${h.source}\t${feedState(h, now)}\tlast success ${age(h.lastSuccess)}\t${h.recordsPerSecond} rec/s\tspool ${h.spoolDepth}\tquarantined ${h.quarantined}\tspool dropped ${h.spoolDropped ?? 0}${h.spoolFull ? '\tSPOOL DISK FULL' : ''}${h.lastError ? `\tlast error ${age(h.lastErrorAt)}: ${h.lastError}` : ''}\n`,
        );
      }
    }),
  );

const metric = program.command('metric').description('catalog metrics');
metric
  .command('public-history')
  .description('whether anonymous callers get the history of a metric (off: its current value only, everywhere public)')
  .argument('<code>', 'catalog metric code')
  .argument('<on|off>', 'on: history public; off: current value only')
  .action((code: string, setting: string) =>
    withStorage(async (s) => {
      if (setting !== 'on' && setting !== 'off') throw new Error(`the setting is on or off, not '${setting}'`);
      const on = setting === 'on';
      await inTransaction(s.pool, async (client) => {
        const before = await setPublicHistory(client, code, on);
        if (before === null) throw new Error(`unknown metric '${code}'`);
        // running servers re-read the catalog on the NOTIFY this sends at commit (issue 17)
        if (before !== on) await bumpCatalogVersion(client);
        if (before !== on)
          await appendAudit(client, [
            {
              actor: `cli:${userInfo().username}`,
              action: 'metric.public_history_changed',
              target: `metric:${code}`,
              detail: { publicHistory: on },
              source: 'cli',
            },
          ]);
      });
      process.stderr.write(`${code}: public history ${setting} (running servers use it now, at the latest within ${CATALOG_REFRESH_S} s)\n`);
    }),
  );

program
  .command('seed')
  .description('seed reference data')
  .argument('<what>', 'demo')
  .action((what: string) =>
    withStorage(async (s) => {
      if (what !== 'demo') throw new Error(`unknown seed '${what}'; only 'demo' exists`);
      const r = await seedDemo(s.pool);
      process.stderr.write(`seeded demo city ${r.city} (${r.regions} regions)\n`);
    }),
  );

program.parseAsync().catch((e: Error) => {
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(1);
});
