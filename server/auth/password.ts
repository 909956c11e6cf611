/**
 * Password hashing: argon2id (memory-hard) from the maintained `argon2` package, which ships prebuilt binaries.
 * Parameters are the library's defaults (64 MiB, 3 passes, 4 lanes), above OWASP's argon2id minimum; they are
 * stored in each PHC string, so raising them later needs no migration.
 */
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

const OPTIONS = { type: argon2.argon2id } as const;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

/** Every password the demo hands out starts so; real accounts may not use such a password. */
export const DEMO_PASSWORD_PREFIX = 'demo-';

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

/** False for a wrong password and for a malformed stored hash (never throws on user input). */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | null = null;
/**
 * A hash of a random password, verified against when the username is unknown or disabled, so that a
 * wrong username costs the same time as a wrong password (no user enumeration by timing).
 */
export function dummyHash(): Promise<string> {
  return (dummy ??= hashPassword(randomBytes(24).toString('base64url')).catch((e: unknown) => {
    dummy = null; // try again next time rather than keep a failure
    throw e;
  }));
}

/** Why a new password is refused, or null. Length is counted in code points (Bahasa and emoji alike). */
export function passwordProblem(password: string, username: string): string | null {
  const n = [...password].length;
  if (n < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (n > MAX_PASSWORD_LENGTH) return `the password may have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (password.toLowerCase() === username.toLowerCase()) return 'the password must not be the username';
  if (password.toLowerCase().startsWith(DEMO_PASSWORD_PREFIX))
    return `passwords starting with '${DEMO_PASSWORD_PREFIX}' are demo passwords, not allowed for real accounts`;
  return null;
}
