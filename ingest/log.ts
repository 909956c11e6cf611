/** The worker's logger (pino, JSON lines). The worker shares nothing with the server but the HTTP API and shared/. */
import { pino, type Logger } from 'pino';

export function createLogger(level: string, name = 'sinergi-ingest'): Logger {
  return pino({ name, level, redact: ['authorization', 'key', 'keys', 'token'] });
}
