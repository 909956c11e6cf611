/**
 * `admin backup [create]`, `backup list`, `backup verify <dir>` and `admin restore <dir>`: the commands around
 * db/backup/ (what a backup holds and why it is logical: db/backup/create.ts; how a restore goes:
 * db/backup/restore.ts). A backup made here is the same as the server's nightly one (server/backup/service.ts):
 * recorded, copied to BACKUP_COPY_DIR, pruned to the retention, audited.
 */
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readManifest, restoreBackup, verifyBackup } from '../db/backup/restore';
import { listBackups } from '../db/backup/retention';
import { appendAudit, verifyAudit } from '../db/queries/audit';
import { openStorage, type Storage } from '../db/storage';
import type { Config } from '../server/config';
import { runBackup } from '../server/backup/service';

type WithStorage = <T>(fn: (s: Storage) => Promise<T>) => Promise<T>;

const say = (m: string) => process.stderr.write(`${m}\n`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function registerBackupCommands(program: Command, config: Config, withStorage: WithStorage): void {
  const backup = program.command('backup').description('consistent online backups of the whole database (see docs/operations.md)');
  backup
    .command('create', { isDefault: true })
    .description('make a backup now (the default); prints its directory')
    .option('--dir <dir>', 'where to write it', config.backup.dir)
    .option('--copy-dir <dir>', 'a second place to copy it to (another disk)', config.backup.copyDir ?? undefined)
    .action((o: { dir: string; copyDir?: string }) =>
      withStorage(async (s) => {
        const run = await runBackup(
          s.pool,
          { ...config.backup, dir: resolve(o.dir), copyDir: o.copyDir ? resolve(o.copyDir) : null, anchorDir: config.auditAnchorDir },
          { trigger: 'manual', actor: `cli:${userInfo().username}`, log: say },
        );
        switch (run.kind) {
          case 'done':
            say(`backup ${run.name}: ${run.rows} rows, ${mib(run.bytes)}${run.copy ? `, copied to ${run.copy}` : ''}`);
            if (run.pruned.length) say(`removed by retention: ${run.pruned.join(', ')}`);
            process.stdout.write(`${run.path}\n`);
            return;
          case 'busy':
            throw new Error('another backup of this database is running; try again when it has finished');
          case 'failed':
            throw new Error(`backup failed: ${run.error}`);
        }
      }),
    );
  backup
    .command('list')
    .description('complete backups, newest first')
    .option('--dir <dir>', 'where to look', config.backup.dir)
    .action(async (o: { dir: string }) => {
      for (const b of await listBackups(resolve(o.dir))) {
        const rows = b.manifest.tables.reduce((n, t) => n + t.rows, 0);
        const bytes = [...b.manifest.tables, ...b.manifest.rollups].reduce((n, t) => n + t.bytes, 0);
        const schema = b.manifest.migrations.at(-1)?.name ?? '-';
        process.stdout.write(`${b.path}\t${b.manifest.snapshotAt}\t${b.manifest.dialect}\t${schema}\t${rows} rows\t${mib(bytes)}\n`);
      }
    });
  backup
    .command('verify')
    .description("check every file of a backup against its manifest's SHA-256")
    .argument('<dir>', 'a backup directory')
    .action(async (dir: string) => {
      const manifest = await readManifest(resolve(dir));
      const damaged = await verifyBackup(resolve(dir), manifest);
      if (damaged.length) throw new Error(`damaged: ${damaged.join(', ')}`);
      say(`backup ${manifest.name} intact: ${manifest.tables.length + manifest.rollups.length + (manifest.anchor?.length ?? 0)} files verified`);
    });

  program
    .command('restore')
    .description('restore a backup into an EMPTY database (DATABASE_URL, or the embedded one in DATA_DIR), then migrate and verify the audit chain')
    .argument('<dir>', 'a backup directory (see `backup list`)')
    .action(async (dir: string) => {
      const path = resolve(dir);
      // migrations are the restore's business: it migrates only up to the backup's schema version first
      const target = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2, migrate: false });
      let restored;
      try {
        restored = await restoreBackup(target.pool, path, { anchorDir: config.auditAnchorDir, log: say });
      } finally {
        await target.close();
      }
      const rows = restored.tables.reduce((n, t) => n + t.rows, 0);
      say(`restored ${restored.manifest.name} (snapshot ${restored.manifest.snapshotAt}): ${restored.tables.length} tables, ${rows} rows`);
      if (restored.anchor === 'restored') say(`audit anchor restored into ${config.auditAnchorDir}`);
      if (restored.anchor === 'kept-existing') {
        say(`audit anchor: ${config.auditAnchorDir} already holds one and was left alone (move it aside and restore again to adopt the backup's)`);
      }
      // the newer migrations of this release run here, as at any start
      await withStorage(async (s) => {
        const { checked, problems } = await verifyAudit(s.pool);
        if (problems.length)
          throw new Error(`restored, but the audit chain does not verify (${problems.length} problem(s)); run \`admin audit verify\``);
        await appendAudit(s.pool, [
          {
            actor: `cli:${userInfo().username}`,
            action: 'backup.restored',
            target: `backup:${restored.manifest.name}`,
            detail: { snapshotAt: restored.manifest.snapshotAt, rows },
            source: 'cli',
          },
        ]);
        say(`audit chain intact: ${checked} entries verified; the restore is recorded in it`);
      });
    });
}
