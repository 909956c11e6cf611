/**
 * The worker's logger (pino). The worker shares nothing with the server but the HTTP API and shared/, so the
 * two formats of server/log.ts are repeated here: `json` (with an ISO time) for production, `line` (one
 * readable line per event) when LOG_FORMAT=line, which the demo sets.
 */
import { pino, stdTimeFunctions, type Logger } from 'pino';
import pretty from 'pino-pretty';

export function createLogger(level: string, name = 'sinergi-ingest', format: string | undefined = process.env.LOG_FORMAT): Logger {
  const base = { name, level, redact: ['authorization', 'key', 'keys', 'token'] };
  if (format !== 'line') return pino({ ...base, timestamp: stdTimeFunctions.isoTime });
  return pino(base, pretty({ sync: true, singleLine: true, colorize: false, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }));
}
