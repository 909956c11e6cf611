/**
 * Admin commands for keys, sharing agreements and the audit log. Every change is audited with the CLI's
 * operating-system user as the actor and 'cli' as the source.
 */
import { userInfo } from 'node:os';
import { stringify } from 'csv-stringify/sync';
import { InvalidArgumentError, type Command } from 'commander';
import { appendAudit, readAudit, verifyAudit } from '../db/queries/audit';
import { readAnchor } from '../server/audit/key';
import { loadCatalog } from '../db/queries/catalog';
import { KEY_SCOPES, listIngestKeys, rotateIngestKey, type KeyScope } from '../db/queries/credentials';
import { issueKey, revokeKey } from '../server/accounts/keys';
import { grantAgreement, listAgreements, revokeAgreement } from '../db/queries/sharing';
import type { Storage } from '../db/storage';

type WithStorage = <T>(fn: (s: Storage) => Promise<T>) => Promise<T>;

const actor = () => `cli:${userInfo().username}`;
const ctx = () => ({ actor: actor(), source: 'cli' });
const audit = (s: Storage, action: string, target: string, detail: Record<string, unknown> = {}) =>
  appendAudit(s.pool, [{ actor: actor(), action, target, detail, source: 'cli' }]);

const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`not a ${what}`);
  return n;
};

export async function requireOpd(s: Storage, code: string): Promise<void> {
  const { opd } = await loadCatalog(s.pool);
  if (!opd.some((o) => o.code === code)) {
    throw new Error(`unknown agency '${code}'; known: ${opd.map((o) => o.code).join(', ') || '(none — run `admin -- seed demo`)'}`);
  }
}

/** The audit key this CLI loaded (never created here) and the anchor directory `audit verify` checks against. */
export interface AuditSetup {
  anchorDir: string;
  key: Buffer | null;
}

export function registerAccessCommands(program: Command, withStorage: WithStorage, auditSetup: AuditSetup): void {
  const key = program.command('key').description('ingest keys (one OPD each, with scopes)');
  key
    .command('create')
    .description('create an ingest key; prints only the key')
    .requiredOption('--agency <code>', 'the OPD the key writes for')
    .option('--label <text>', 'a note to recognise the key by')
    .option('--scopes <list>', `what it may write: ${KEY_SCOPES.join(',')}`, (v) => {
      const scopes = [...new Set(v.split(',').map((x) => x.trim()))];
      if (!scopes.length || !scopes.every((x) => (KEY_SCOPES as readonly string[]).includes(x)))
        throw new InvalidArgumentError(`scopes are ${KEY_SCOPES.join(', ')}`);
      return scopes as KeyScope[];
    })
    .action((o: { agency: string; label?: string; scopes?: KeyScope[] }) =>
      withStorage(async (s) => {
        // the same rules and audit entry as the admin page (server/accounts/keys.ts)
        const r = await issueKey(s.pool, { opd: o.agency, label: o.label ?? null, scopes: o.scopes ?? KEY_SCOPES }, ctx());
        if (r.kind === 'unknown_opd')
          throw new Error(`unknown agency '${o.agency}'; known: ${r.known.join(', ') || '(none — run `admin -- seed demo`)'}`);
        process.stdout.write(`${r.secret}\n`);
      }),
    );
  key
    .command('list')
    .description('list ingest keys (prefix only)')
    .action(() =>
      withStorage(async (s) => {
        const now = Date.now();
        for (const k of await listIngestKeys(s.pool)) {
          const state = !k.revokedAt
            ? 'active'
            : k.revokedAt.getTime() > now
              ? `retiring ${k.revokedAt.toISOString()}`
              : `revoked ${k.revokedAt.toISOString()}`;
          process.stdout.write(
            `${k.id}\t${k.opd}\t${k.prefix}…\t${k.scopes.join(',')}\t${k.label ?? ''}\t${k.createdAt.toISOString()}\t${state}${k.rotatedFrom ? `\treplaces ${k.rotatedFrom}` : ''}\n`,
          );
        }
      }),
    );
  key
    .command('rotate')
    .description('replace a key: prints only the new key; the old one stops after the grace period')
    .argument('<id>', 'key id (see key list)', positiveInt('key id'))
    .option('--grace-minutes <n>', 'how long the old key keeps working', (v) => Number(v), 0)
    .action((id: number, o: { graceMinutes: number }) =>
      withStorage(async (s) => {
        if (!Number.isFinite(o.graceMinutes) || o.graceMinutes < 0) throw new Error('--grace-minutes must be 0 or more');
        const fresh = await rotateIngestKey(s.pool, id, o.graceMinutes * 60_000);
        if (!fresh) throw new Error(`no active key with id ${id}`);
        await audit(s, 'key.rotated', `key:${id}@${fresh.opd}`, { replacedBy: fresh.id, graceMinutes: o.graceMinutes });
        process.stdout.write(`${fresh.key}\n`);
      }),
    );
  key
    .command('revoke')
    .description('revoke an ingest key by id')
    .argument('<id>', 'key id (see key list)', positiveInt('key id'))
    .action((id: number) =>
      withStorage(async (s) => {
        const r = await revokeKey(s.pool, id, ctx());
        if (r.kind === 'not_found') throw new Error(`no active key with id ${id}`);
        process.stderr.write(`revoked key ${id}\n`);
      }),
    );

  const sharing = program.command('sharing').description('data-sharing agreements between OPD (purpose limitation)');
  sharing
    .command('grant')
    .description('share a terbatas metric or event kind of one OPD with another, for a purpose, until a date')
    .requiredOption('--from <opd>', 'the owner OPD')
    .requiredOption('--to <opd>', 'the OPD that may read it')
    .option('--metric <code>', 'the metric shared')
    .option('--event-kind <code>', 'the event kind shared')
    .requiredOption('--purpose <code>', 'what it may be used for, e.g. flood-response')
    .requiredOption('--until <date>', 'end date (YYYY-MM-DD, end of that day WIB, or ISO 8601)')
    .option('--reference <text>', 'agreement number or document')
    .action((o: { from: string; to: string; metric?: string; eventKind?: string; purpose: string; until: string; reference?: string }) =>
      withStorage(async (s) => {
        if (Boolean(o.metric) === Boolean(o.eventKind)) throw new Error('give exactly one of --metric or --event-kind');
        const catalog = await loadCatalog(s.pool);
        const item = o.metric ? catalog.metrics.find((m) => m.code === o.metric) : catalog.eventKinds.find((k) => k.code === o.eventKind);
        const code = (o.metric ?? o.eventKind)!;
        if (!item) throw new Error(`unknown ${o.metric ? 'metric' : 'event kind'} '${code}'`);
        if (item.ownerOpd !== o.from) throw new Error(`${code} belongs to ${item.ownerOpd}, not to ${o.from}: only its owner can share it`);
        if (item.class !== 'terbatas')
          throw new Error(`${code} is ${item.class}: only terbatas data is shared by agreement (publik is open to all, rahasia to none)`);
        await requireOpd(s, o.to);
        const until = /^\d{4}-\d{2}-\d{2}$/.test(o.until) ? Date.parse(`${o.until}T23:59:59+07:00`) : Date.parse(o.until);
        if (!Number.isFinite(until) || until <= Date.now()) throw new Error('--until must be a date in the future');
        const id = await grantAgreement(s.pool, {
          ownerOpd: o.from,
          granteeOpd: o.to,
          itemType: o.metric ? 'metric' : 'event_kind',
          itemCode: code,
          purpose: o.purpose,
          validUntil: until,
          reference: o.reference ?? null,
        });
        await audit(s, 'sharing.granted', `sharing:${id}`, {
          from: o.from,
          to: o.to,
          item: code,
          purpose: o.purpose,
          until: new Date(until).toISOString(),
          reference: o.reference ?? null,
        });
        process.stdout.write(`${id}\n`);
      }),
    );
  sharing
    .command('list')
    .description('all agreements, in force or not')
    .action(() =>
      withStorage(async (s) => {
        const now = Date.now();
        for (const a of await listAgreements(s.pool)) {
          const state = a.revokedAt ? 'revoked' : a.validUntil <= now ? 'ended' : a.suspended ? 'suspended (dispute)' : 'in force';
          process.stdout.write(
            `${a.id}\t${a.ownerOpd} → ${a.granteeOpd}\t${a.itemType}:${a.itemCode}\tfor ${a.purpose}\tuntil ${new Date(a.validUntil).toISOString()}\t${state}${a.reference ? `\t${a.reference}` : ''}\n`,
          );
        }
      }),
    );
  sharing
    .command('revoke')
    .description('end an agreement now')
    .argument('<id>', 'agreement id', positiveInt('agreement id'))
    .action((id: number) =>
      withStorage(async (s) => {
        if (!(await revokeAgreement(s.pool, id))) throw new Error(`no agreement ${id} in force`);
        await audit(s, 'sharing.revoked', `sharing:${id}`);
        process.stderr.write(`revoked agreement ${id}\n`);
      }),
    );

  const auditCmd = program.command('audit').description('the hash-chained audit log');
  auditCmd
    .command('verify')
    .description('recompute the chain; exit 1 and name every edited or deleted entry if it is broken')
    .action(() =>
      withStorage(async (s) => {
        const { checked, problems } = await verifyAudit(s.pool, { anchor: await readAnchor(auditSetup.anchorDir, auditSetup.key) });
        if (problems.length === 0) {
          process.stdout.write(`audit log intact: ${checked} entries verified\n`);
          return;
        }
        for (const p of problems) {
          const what = {
            edited: 'was changed after it was written',
            'missing-before': 'follows a gap: entries before it were deleted',
            'broken-link': 'does not link to the entry before it: that entry was replaced or deleted',
            'missing-after': 'is the last left, but not the last written: newer entries were deleted',
            unkeyed: 'is the newest of a chain that was never keyed, though this installation has a key: it was rewritten without it',
            'anchor-mismatch': 'disagrees with the head anchored outside the database (AUDIT_ANCHOR_DIR): the chain was rewritten',
          }[p.problem];
          process.stdout.write(`entry ${p.seq} ${what}\n`);
        }
        throw new Error(`audit log broken at ${problems.length} place(s) out of ${checked} entries`);
      }),
    );
  auditCmd
    .command('export')
    .description('write entries as CSV (default) or JSON lines to stdout')
    .option('--from <date>', 'from (ISO 8601)')
    .option('--to <date>', 'until (ISO 8601)')
    .option('--format <f>', 'csv | jsonl', 'csv')
    .action((o: { from?: string; to?: string; format: string }) =>
      withStorage(async (s) => {
        const rows = await readAudit(s.pool, { fromMs: o.from ? Date.parse(o.from) : undefined, toMs: o.to ? Date.parse(o.to) : undefined });
        const out = rows.map((r) => ({
          seq: r.seq,
          time: new Date(r.time).toISOString(),
          actor: r.actor,
          action: r.action,
          target: r.target ?? '',
          source: r.source ?? '',
          detail: JSON.stringify(r.detail),
          hash: r.hash.toString('hex'),
        }));
        if (o.format === 'jsonl') for (const r of out) process.stdout.write(`${JSON.stringify(r)}\n`);
        else process.stdout.write(stringify(out, { header: true }));
      }),
    );
}
