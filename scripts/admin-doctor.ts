/**
 * `admin doctor`: checks the whole installation and prints, per check, OK / WARN / FAIL with what to do.
 * Exit status 1 when anything fails. It reads only: no migration runs, nothing is written.
 *
 * The thresholds are pure functions below (table-tested in tests/unit/doctor-rules.test.ts); they follow what
 * the platform itself does — a backup older than 26 h is what raises the backup alert (migration 040), a
 * reading more than 5 minutes in the future is refused by ingest, so a clock that far off loses data.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { listBackups } from '../db/backup/retention';
import { pendingMigrations, unknownMigrations, listMigrations } from '../db/migrate';
import { verifyAudit } from '../db/queries/audit';
import { listHealth } from '../db/queries/feeds';
import { usersWithDemoPassword } from '../db/queries/users';
import { openStorage, type Storage } from '../db/storage';
import type { Config } from '../server/config';
import { feedState } from '../shared/feeds';

export type Verdict = 'ok' | 'warn' | 'fail';
export interface Finding {
  verdict: Verdict;
  check: string;
  detail: string;
  /** What to do, for warn and fail. */
  fix?: string;
}

const GiB = 2 ** 30;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Free space on the disk holding `what`: fail under 5 % or 1 GiB, warn under 15 % or 5 GiB. */
export function judgeDisk(what: string, freeBytes: number, totalBytes: number): Finding {
  const pct = totalBytes > 0 ? (100 * freeBytes) / totalBytes : 0;
  const detail = `${what}: ${(freeBytes / GiB).toFixed(1)} GiB free of ${(totalBytes / GiB).toFixed(1)} GiB (${pct.toFixed(0)} %)`;
  const fix = 'free space or grow the disk (raw points, the spool and backups grow with data: docs/operations.md, sizing)';
  if (pct < 5 || freeBytes < GiB) return { verdict: 'fail', check: 'disk', detail, fix };
  if (pct < 15 || freeBytes < 5 * GiB) return { verdict: 'warn', check: 'disk', detail, fix };
  return { verdict: 'ok', check: 'disk', detail };
}

/** The newest backup at a destination: none or older than 26 h fails (the alert's Siaga), over 25 h warns. */
export function judgeBackup(where: string, newestAt: number | null, now: number): Finding {
  const fix = 'run `npm run admin -- backup` now and find why the nightly one did not run (server log, `backup_run`)';
  if (newestAt === null) return { verdict: 'fail', check: 'backups', detail: `${where}: no complete backup`, fix };
  const hours = (now - newestAt) / HOUR;
  const detail = `${where}: newest backup ${hours.toFixed(1)} h old`;
  if (hours >= 26) return { verdict: 'fail', check: 'backups', detail, fix };
  if (hours >= 25) return { verdict: 'warn', check: 'backups', detail, fix };
  return { verdict: 'ok', check: 'backups', detail };
}

/** This machine's clock against the database's: over 2 s warns, over 60 s fails (ingest refuses readings 5 min ahead). */
export function judgeClockSkew(skewMs: number, ntpSynchronized: boolean | null): Finding {
  const detail = `this machine is ${Math.abs(skewMs / 1000).toFixed(1)} s ${skewMs > 0 ? 'behind' : 'ahead of'} the database server${
    ntpSynchronized === null ? '' : ntpSynchronized ? ', NTP synchronised' : ', NTP NOT synchronised'
  }`;
  const fix = 'synchronise both clocks with NTP (`timedatectl set-ntp true`, or chrony): readings, ages and alerts are timed';
  if (Math.abs(skewMs) > 60_000) return { verdict: 'fail', check: 'clock', detail, fix };
  if (Math.abs(skewMs) > 2_000 || ntpSynchronized === false) return { verdict: 'warn', check: 'clock', detail, fix };
  return { verdict: 'ok', check: 'clock', detail };
}

/** A TLS certificate: expired or within 7 days fails, within 30 days warns. */
export function judgeCertificate(file: string, validTo: number, now: number): Finding {
  const days = (validTo - now) / DAY;
  const detail = `${file}: ${days < 0 ? `expired ${(-days).toFixed(0)} days ago` : `valid for ${days.toFixed(0)} more days`}`;
  const fix = 'renew the certificate and reload nginx (`systemctl reload nginx`)';
  if (days < 7) return { verdict: 'fail', check: 'certificate', detail, fix };
  if (days < 30) return { verdict: 'warn', check: 'certificate', detail, fix };
  return { verdict: 'ok', check: 'certificate', detail };
}

const exec = promisify(execFile);

async function ntpSynchronized(): Promise<boolean | null> {
  try {
    const { stdout } = await exec('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 3_000 });
    return stdout.trim() === 'yes';
  } catch {
    return null; // no systemd (containers): not known
  }
}

async function diskOf(what: string, path: string): Promise<Finding> {
  try {
    const s = await statfs(path);
    return judgeDisk(what, s.bavail * s.bsize, s.blocks * s.bsize);
  } catch (e) {
    return {
      verdict: 'fail',
      check: 'disk',
      detail: `${what}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      fix: 'create it or fix its permissions',
    };
  }
}

export async function runDoctor(config: Config, opts: { spool?: string; cert?: string[]; now?: number }): Promise<Finding[]> {
  const now = opts.now ?? Date.now();
  const out: Finding[] = [];
  let storage: Storage;
  try {
    storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2, migrate: false });
  } catch (e) {
    return [
      {
        verdict: 'fail',
        check: 'database',
        detail: `cannot open: ${(e as Error).message}`,
        fix: 'check DATABASE_URL (or DATA_DIR), that the server runs, and its log',
      },
    ];
  }
  try {
    const db = storage.pool;
    const version = (await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
    const size = (await db.query<{ n: string }>(`SELECT pg_database_size(current_database()) AS n`)).rows[0]!.n;
    out.push({
      verdict: 'ok',
      check: 'database',
      detail: `${storage.where}: PostgreSQL ${version}, ${storage.dialect}, ${(Number(size) / GiB).toFixed(2)} GiB`,
    });

    const files = await listMigrations();
    const newer = await unknownMigrations(db, files);
    const pending = await pendingMigrations(db, storage.dialect);
    if (pending.some((m) => m.version === 1)) {
      // an empty database (never started): nothing below has its tables yet
      out.push({
        verdict: 'fail',
        check: 'schema',
        detail: 'the database has no Sinergi schema',
        fix: 'start the server once, or run `npm run migrate` (or restore a backup: `npm run admin -- restore <dir>`)',
      });
      return out;
    }
    if (newer.length) {
      out.push({
        verdict: 'fail',
        check: 'schema',
        detail: `migrated by a newer Sinergi (${newer.at(-1)!.name})`,
        fix: 'run that release, or restore a backup made before the upgrade',
      });
    } else if (pending.length) {
      out.push({
        verdict: 'warn',
        check: 'schema',
        detail: `${pending.length} migration(s) pending: ${pending.map((m) => m.name).join(', ')}`,
        fix: 'they run at the next start of the server, or now with `npm run migrate`',
      });
    } else out.push({ verdict: 'ok', check: 'schema', detail: `up to date (${files.at(-1)?.name})` });

    // disk: the embedded cluster (DATA_DIR), the worker's spool, the backups
    if (!config.databaseUrl) out.push(await diskOf('embedded database (DATA_DIR)', config.dataDir));
    const spool = opts.spool ?? join(config.dataDir, 'spool');
    if (opts.spool || existsSync(spool)) out.push(await diskOf(`ingest spool ${spool}`, spool));
    for (const dir of [config.backup.dir, config.backup.copyDir]) if (dir && existsSync(dir)) out.push(await diskOf(`backups ${dir}`, dir));

    // backups
    for (const [where, dir] of [
      ['primary', config.backup.dir],
      ['copy', config.backup.copyDir],
    ] as const) {
      if (!dir) {
        out.push({
          verdict: 'warn',
          check: 'backups',
          detail: 'no second copy (BACKUP_COPY_DIR)',
          fix: 'set BACKUP_COPY_DIR to a directory on another disk',
        });
        continue;
      }
      out.push(judgeBackup(`${where} ${dir}`, (await listBackups(dir).catch(() => []))[0]?.at ?? null, now));
    }
    const last = (
      await db
        .query<{ ok: boolean; error: string | null; at: Date }>(`SELECT ok, error, started_at AS at FROM backup_run ORDER BY started_at DESC LIMIT 1`)
        .catch(() => ({ rows: [] }))
    ).rows[0];
    if (last && !last.ok)
      out.push({
        verdict: 'fail',
        check: 'backups',
        detail: `the last run (${last.at.toISOString()}) failed: ${last.error}`,
        fix: 'fix the cause and run `npm run admin -- backup`',
      });
    if (!config.backup.at)
      out.push({
        verdict: 'warn',
        check: 'backups',
        detail: 'BACKUP_AT=off: the server schedules no nightly backup',
        fix: 'make sure a timer or cron runs `npm run admin -- backup` every night',
      });

    // clock: this machine against the database server, corrected for the round trip
    const t0 = Date.now();
    const dbNow = (await db.query<{ t: number }>(`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS t`)).rows[0]!.t;
    const t1 = Date.now();
    out.push(judgeClockSkew(dbNow - (t0 + t1) / 2, await ntpSynchronized()));

    // certificates (nginx terminates TLS: deploy/nginx/sinergi.conf)
    const certs = opts.cert ?? ['/etc/sinergi/tls/sinergi.crt'].filter((f) => existsSync(f));
    if (certs.length === 0)
      out.push({ verdict: 'warn', check: 'certificate', detail: 'no certificate to check', fix: 'pass --cert <file> (the one nginx serves)' });
    for (const file of certs) {
      try {
        out.push(judgeCertificate(file, Date.parse(new X509Certificate(await readFile(file)).validTo), now));
      } catch (e) {
        out.push({ verdict: 'fail', check: 'certificate', detail: `${file}: ${(e as Error).message}`, fix: 'point --cert at a PEM certificate' });
      }
    }

    const demo = await usersWithDemoPassword(db);
    if (demo.length) {
      out.push({
        verdict: config.env === 'production' ? 'fail' : 'warn',
        check: 'accounts',
        detail: `${demo.length} enabled account(s) still have a demo password: ${demo.join(', ')}`,
        fix: '`npm run admin -- user passwd --username <name>` or `user disable --username <name>` (production refuses to start with them)',
      });
    } else out.push({ verdict: 'ok', check: 'accounts', detail: 'no demo password in use' });
    if (config.env !== 'production')
      out.push({ verdict: 'warn', check: 'config', detail: `NODE_ENV=${config.env}`, fix: 'set NODE_ENV=production on a real installation' });

    const audit = await verifyAudit(db);
    out.push(
      audit.problems.length
        ? {
            verdict: 'fail',
            check: 'audit',
            detail: `the chain breaks at ${audit.problems.length} place(s) of ${audit.checked}`,
            fix: 'run `npm run admin -- audit verify` for the entries, and treat it as an incident',
          }
        : { verdict: 'ok', check: 'audit', detail: `chain intact (${audit.checked} entries)` },
    );

    const feeds = (await listHealth(db)).map((h) => ({ name: `${h.opd}/${h.source}`, state: feedState(h, now) }));
    const bad = feeds.filter((f) => f.state === 'silent' || f.state === 'failing');
    if (bad.length) {
      out.push({
        verdict: 'warn',
        check: 'feeds',
        detail: bad.map((f) => `${f.name} ${f.state}`).join(', '),
        fix: 'see docs/operations.md, "When a feed goes silent"; `npm run admin -- feeds`',
      });
    } else out.push({ verdict: 'ok', check: 'feeds', detail: `${feeds.length} source(s) reporting` });
  } finally {
    await storage.close();
  }
  return out;
}

export function registerDoctorCommand(program: Command, config: Config): void {
  program
    .command('doctor')
    .description('check the installation: database, schema, disk, backups, clock, certificate, demo passwords, audit chain, feeds')
    .option('--spool <dir>', "the ingest worker's spool directory (default DATA_DIR/spool when it exists)")
    .option('--cert <file...>', 'TLS certificate(s) to check (default /etc/sinergi/tls/sinergi.crt when it exists)')
    .action(async (o: { spool?: string; cert?: string[] }) => {
      const findings = await runDoctor(config, { spool: o.spool && resolve(o.spool), cert: o.cert?.map((c) => resolve(c)) });
      for (const f of findings) {
        process.stdout.write(`${f.verdict.toUpperCase().padEnd(5)} ${f.check.padEnd(12)} ${f.detail}\n`);
        if (f.fix && f.verdict !== 'ok') process.stdout.write(`${' '.repeat(19)}→ ${f.fix}\n`);
      }
      const failed = findings.filter((f) => f.verdict === 'fail').length;
      process.stdout.write(failed ? `\n${failed} check(s) failed.\n` : '\nno check failed.\n');
      if (failed) process.exitCode = 1;
    });
}
