/**
 * `admin catalog export|import|validate` (issue 17): the catalog as a YAML or JSON file. Import goes through the
 * same service as the admin REST (server/catalog/admin.ts): one transaction, an audit row per changed item, and a
 * NOTIFY that makes every running server use the new catalog at once. A file with any problem changes nothing;
 * every problem is printed with its line. Results go to stdout, problems to stderr; exit status 1 on refusal.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { loadCatalogDocument } from '../db/queries/catalog-admin';
import type { Storage } from '../db/storage';
import { catalogProblems, type CatalogChange } from '../shared/catalog-document';
import { assertNever } from '../shared/ack';
import { createCatalogAdmin, type CatalogApplyResult } from '../server/catalog/admin';
import { formatCatalog, parseCatalogFile, problemLines, type CatalogFile } from '../server/catalog/file';

type WithStorage = <T>(fn: (s: Storage) => Promise<T>) => Promise<T>;

/** The refusal that ends the command with status 1 after its lines were printed. */
class Refused extends Error {}

const changeLine = (c: CatalogChange) => `${c.action}\t${c.section}\t${c.code}`;

async function readCatalogFile(file: string): Promise<Extract<CatalogFile, { ok: true }>> {
  const r = parseCatalogFile(await readFile(file, 'utf8'));
  if (!r.ok) {
    for (const e of r.errors) process.stderr.write(`${file}: ${e}\n`);
    throw new Refused(`${file} is not a valid catalog file; nothing was changed`);
  }
  return r;
}

function report(file: string, r: CatalogApplyResult, where: (path: readonly (string | number)[]) => string, dryRun: boolean): void {
  switch (r.kind) {
    case 'ok':
      for (const c of r.changes) process.stdout.write(`${changeLine(c)}\n`);
      process.stderr.write(
        r.changes.length === 0
          ? 'no changes: the catalog already matches the file\n'
          : dryRun
            ? `${r.changes.length} change(s) would apply (dry run: nothing was written)\n`
            : `${r.changes.length} change(s) applied (catalog version ${r.version}); running servers use them now\n`,
      );
      return;
    case 'invalid':
      for (const e of problemLines(r.problems, where)) process.stderr.write(`${file}: ${e}\n`);
      throw new Refused(`the catalog would not be valid; nothing was changed`);
    case 'relaxation_unconfirmed':
      for (const x of r.relaxations)
        process.stderr.write(
          `${file}: ${x.section} ${x.code}: class ${x.from} → ${x.to}, but sharing agreement(s) ${x.agreements
            .map((a) => `#${a.id} (${a.granteeOpd}, ${a.purpose})`)
            .join(', ')} depend on it\n`,
        );
      throw new Refused('relaxing a class that agreements depend on needs --confirm; nothing was changed');
    case 'in_use':
    case 'not_found':
      throw new Refused(`unexpected answer to an import: ${r.kind}`);
    default:
      return assertNever(r);
  }
}

export function registerCatalogCommands(program: Command, withStorage: WithStorage): void {
  const catalog = program.command('catalog').description('the catalog as a file: OPD, domains, metrics, event kinds (YAML or JSON)');
  const actor = () => `cli:${userInfo().username}`;
  const guard = (fn: () => Promise<void>) =>
    fn().catch((e: unknown) => {
      if (!(e instanceof Refused)) throw e;
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 1;
    });

  catalog
    .command('export')
    .description('write the catalog as a document (to FILE, or stdout)')
    .option('--format <format>', 'yaml | json (default: from the file name, else yaml)', (v) => {
      if (v !== 'yaml' && v !== 'json') throw new InvalidArgumentError('the format is yaml or json');
      return v;
    })
    .argument('[file]', 'where to write it')
    .action((file: string | undefined, o: { format?: 'yaml' | 'json' }) =>
      withStorage(async (s) => {
        const format = o.format ?? (file && extname(file).toLowerCase() === '.json' ? 'json' : 'yaml');
        const text = formatCatalog(await loadCatalogDocument(s.pool), format);
        if (file) {
          await writeFile(file, text);
          process.stderr.write(`catalog written to ${file}\n`);
        } else process.stdout.write(text);
      }),
    );

  catalog
    .command('import')
    .description('create and update the items of FILE in one transaction (never deletes); every problem is listed with its line')
    .argument('<file>', 'a catalog document, YAML or JSON')
    .option('--dry-run', 'list what would change, write nothing')
    .option('--confirm', 'relax the class of items that sharing agreements depend on')
    .action((file: string, o: { dryRun?: boolean; confirm?: boolean }) =>
      guard(async () => {
        const parsed = await readCatalogFile(file);
        await withStorage(async (s) => {
          const admin = createCatalogAdmin({ pool: s.pool });
          const r = await admin.importDocument(parsed.doc, { actor: actor(), source: 'cli', dryRun: Boolean(o.dryRun), confirm: Boolean(o.confirm) });
          report(file, r, parsed.where, Boolean(o.dryRun));
        });
      }),
    );

  catalog
    .command('validate')
    .description('check FILE against the catalog in the database (a dry run); --offline: the file alone, no database')
    .argument('<file>', 'a catalog document, YAML or JSON')
    .option('--offline', 'judge the file as a whole catalog on its own')
    .action((file: string, o: { offline?: boolean }) =>
      guard(async () => {
        const parsed = await readCatalogFile(file);
        if (o.offline) {
          const problems = catalogProblems(parsed.doc);
          for (const e of problemLines(problems, parsed.where)) process.stderr.write(`${file}: ${e}\n`);
          if (problems.length) throw new Refused(`${problems.length} problem(s)`);
          process.stderr.write(`${file}: valid\n`);
          return;
        }
        await withStorage(async (s) => {
          const admin = createCatalogAdmin({ pool: s.pool });
          report(file, await admin.importDocument(parsed.doc, { actor: actor(), source: 'cli', dryRun: true, confirm: false }), parsed.where, true);
          process.stderr.write(`${file}: valid\n`);
        });
      }),
    );
}
