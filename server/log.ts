/**
 * The process logger (pino) and the request logger built on it.
 *
 * Two formats, chosen by LOG_FORMAT (server/config.ts):
 * - `json` (the default under NODE_ENV=production): one JSON object per line with an ISO time, for journald,
 *   Loki or any log shipper; request lines carry `req: { method, path, remoteAddress }`, `res: { statusCode }`
 *   and `responseTime` (ms) as fields.
 * - `line` (the default elsewhere, so under `npm start`): one readable line per event,
 *   `12:04:31 WARN  GET /api/v1/series 400 (2 ms)`; an error keeps its stack below its line.
 * Either way a request line is short: method, path (without its query string, which may carry identifiers),
 * status and duration — never the headers or the body. 4xx answers log at warn, 5xx at error, the rest at debug.
 */
import { pino, stdTimeFunctions, type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'line';

const REDACT = ['authorization', 'password', 'token', 'key', 'req.headers.authorization', 'req.headers.cookie'];

export function createLogger(level: string, opts: { format?: LogFormat; name?: string } = {}): Logger {
  const base = { name: opts.name ?? 'sinergi', level, redact: REDACT };
  if (opts.format !== 'line') return pino({ ...base, timestamp: stdTimeFunctions.isoTime });
  return pino(
    base,
    pretty({
      sync: true,
      singleLine: true,
      colorize: false,
      translateTime: 'SYS:HH:MM:ss',
      // the request fields are already in the message; pid and host say nothing on one machine
      ignore: 'pid,hostname,name,reqId,req,res,responseTime',
    }),
  );
}

/** Ticket numbers are capabilities (issue 21): request lines name the route, never the number. */
const CAPABILITY_PATH = /^(\/api\/public\/v1\/tickets\/|\/open311\/v2\/requests\/)[^/]+/;
const pathOf = (req: { url?: string }) => ((req.url ?? '').split('?')[0] ?? '').replace(CAPABILITY_PATH, '$1{ticket}');

/** Express middleware that logs each finished request as one short line (see the header). */
export function createRequestLogger(log: Logger): HttpLogger {
  return pinoHttp({
    logger: log,
    quietReqLogger: true,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug'),
    customSuccessMessage: (req, res, ms) => `${req.method} ${pathOf(req)} ${res.statusCode} (${Math.round(ms)} ms)`,
    // A 5xx line stays one line too: the error itself is logged in full, once, by the app's error handler.
    customErrorObject: (_req, _res, _err, val: { res: unknown; responseTime: number }) => ({ res: val.res, responseTime: val.responseTime }),
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    serializers: {
      // pino-http hands these its standard serialisation; keep only what a line needs
      req: (req: { method?: string; url?: string; remoteAddress?: string }) => ({
        method: req.method,
        path: pathOf(req),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
