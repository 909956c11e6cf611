/** The process logger (pino): JSON lines; pretty enough for a terminal when piped through pino-pretty. */
import { pino, type Logger } from 'pino';

export function createLogger(level: string, name = 'sinergi'): Logger {
  return pino({ name, level, redact: ['authorization', 'password', 'token', 'key'] });
}
