/**
 * Admin commands for people who log in: `user add|passwd|role|disable|enable|unlock|list` and `user totp enable|disable`.
 * Passwords are read from standard input (first line) or, on a terminal, prompted for twice without echo;
 * never from the command line, where `ps` and shell history would keep them. Every change is audited with the
 * CLI's operating-system user as the actor and 'cli' as the source.
 */
import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { listUsers, USER_ROLES, type UserRole } from '../db/queries/users';
import type { Storage } from '../db/storage';
import {
  addUser,
  changePassword,
  changeRole,
  disableTotp,
  disableUser,
  enableTotp,
  enableUser,
  unlockUser,
  type ChangeContext,
} from '../server/auth/accounts';

type WithStorage = <T>(fn: (s: Storage) => Promise<T>) => Promise<T>;

const ctx = (): ChangeContext => ({ actor: `cli:${userInfo().username}`, source: 'cli' });

const roleArg = (v: string): UserRole => {
  if (!USER_ROLES.includes(v as UserRole)) throw new InvalidArgumentError(`role must be ${USER_ROLES.join(', ')}`);
  return v as UserRole;
};

/** Reads one line without echo from the terminal. */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    let value = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          done();
          return resolve(value);
        }
        if (ch === '\u0003') {
          done();
          return reject(new Error('cancelled'));
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The new password: prompted twice on a terminal, else the first line of standard input. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden('new password: ');
    const again = await promptHidden('again: ');
    if (first !== again) throw new Error('the two passwords differ');
    return first;
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!line) throw new Error('no password on standard input (pipe it in, or run on a terminal to be prompted)');
  return line;
}

export function registerUserCommands(program: Command, withStorage: WithStorage): void {
  const user = program.command('user').description('people who log in (admin, operator, agency, wilayah: a camat or lurah/kades)');
  user
    .command('add')
    .description('add a user; the password is read from stdin or prompted for')
    .requiredOption('--username <name>', 'login name (stored lower-case)')
    .requiredOption('--role <role>', USER_ROLES.join(' | '), roleArg)
    .option('--agency <code>', 'the OPD (required for role agency, only for it)')
    .option('--region <code>', 'the kecamatan (camat) or kelurahan/desa (lurah, kades) code (required for role wilayah, only for it)')
    .action((o: { username: string; role: UserRole; agency?: string; region?: string }) =>
      withStorage(async (s) => {
        const password = await readPassword();
        const u = await addUser(s.pool, { username: o.username, password, role: o.role, opd: o.agency ?? null, region: o.region ?? null }, ctx());
        process.stderr.write(`added ${u.role} ${u.username}${u.opd ? ` (${u.opd})` : ''}${u.region ? ` (${u.region})` : ''}\n`);
      }),
    );
  user
    .command('passwd')
    .description("set a user's password (read from stdin or prompted for); ends the user's sessions")
    .requiredOption('--username <name>', 'login name')
    .action((o: { username: string }) =>
      withStorage(async (s) => {
        const password = await readPassword();
        const r = await changePassword(s.pool, o.username, password, ctx());
        process.stderr.write(`password changed; ${r.sessionsRevoked} session(s) ended\n`);
      }),
    );
  user
    .command('role')
    .description("change a user's role; ends the user's sessions")
    .requiredOption('--username <name>', 'login name')
    .requiredOption('--role <role>', USER_ROLES.join(' | '), roleArg)
    .option('--agency <code>', 'the OPD (required for role agency, only for it)')
    .option('--region <code>', 'the kecamatan or kelurahan/desa code (required for role wilayah, only for it)')
    .action((o: { username: string; role: UserRole; agency?: string; region?: string }) =>
      withStorage(async (s) => {
        const r = await changeRole(s.pool, o.username, { role: o.role, opd: o.agency ?? null, region: o.region ?? null }, ctx());
        const scope = o.agency ?? o.region;
        process.stderr.write(`role changed to ${o.role}${scope ? ` (${scope})` : ''}; ${r.sessionsRevoked} session(s) ended\n`);
      }),
    );
  user
    .command('disable')
    .description('disable a user and end their sessions')
    .requiredOption('--username <name>', 'login name')
    .action((o: { username: string }) =>
      withStorage(async (s) => {
        const r = await disableUser(s.pool, o.username, ctx());
        process.stderr.write(`disabled; ${r.sessionsRevoked} session(s) ended\n`);
      }),
    );
  user
    .command('enable')
    .description('enable a disabled user again')
    .requiredOption('--username <name>', 'login name')
    .action((o: { username: string }) =>
      withStorage(async (s) => {
        await enableUser(s.pool, o.username, ctx());
        process.stderr.write('enabled\n');
      }),
    );
  user
    .command('unlock')
    .description('let a user whose failed logins are being slowed down try again at once (every address and device)')
    .requiredOption('--username <name>', 'login name')
    .action((o: { username: string }) =>
      withStorage(async (s) => {
        const r = await unlockUser(s.pool, o.username, ctx());
        process.stderr.write(`unlocked; ${r.cleared} throttle record(s) cleared\n`);
      }),
    );
  user
    .command('list')
    .description('username, role, agency, second factor, status, created (never a hash)')
    .action(() =>
      withStorage(async (s) => {
        const now = Date.now();
        for (const u of await listUsers(s.pool)) {
          const status = u.disabledAt
            ? `disabled ${u.disabledAt.toISOString()}`
            : u.lockedUntil && u.lockedUntil.getTime() > now
              ? `locked until ${u.lockedUntil.toISOString()}`
              : u.demoPassword
                ? 'active (demo password)'
                : 'active';
          process.stdout.write(
            `${u.username}\t${u.role}\t${u.opd ?? u.region ?? '-'}\t${u.totpEnabled ? 'totp' : '-'}\t${status}\t${u.createdAt.toISOString()}\n`,
          );
        }
      }),
    );

  const totp = user.command('totp').description('second factor (TOTP) for admin and operator users');
  totp
    .command('enable')
    .description('turn TOTP on (or re-enrol); prints the otpauth:// URI once, for the authenticator app')
    .requiredOption('--username <name>', 'login name')
    .action((o: { username: string }) =>
      withStorage(async (s) => {
        const r = await enableTotp(s.pool, o.username, ctx());
        process.stdout.write(`${r.uri}\n`);
        process.stderr.write(
          `${r.replaced ? 'TOTP re-enrolled' : 'TOTP enabled'}; add the URI above to the authenticator app now: it is not shown again\n`,
        );
      }),
    );
  totp
    .command('disable')
    .description('turn TOTP off (lost phone)')
    .requiredOption('--username <name>', 'login name')
    .action((o: { username: string }) =>
      withStorage(async (s) => {
        await disableTotp(s.pool, o.username, ctx());
        process.stderr.write('TOTP disabled\n');
      }),
    );
}
