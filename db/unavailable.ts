/**
 * Pure: whether an error means the database is away (shutting down, restarting, unreachable) rather than a
 * bug: PostgreSQL's class 57P (operator intervention: admin shutdown, crash shutdown, cannot connect now) and
 * class 08 (connection exception), and the socket errors of a server that is gone.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return code.startsWith('57P') || code.startsWith('08') || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE';
}
