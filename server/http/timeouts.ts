/**
 * HTTP server timeouts (issue 14.7). Node's defaults (headers 60 s, request 300 s) let a client that trickles
 * a body hold a connection and its parser for five minutes. A whole request gets 60 s: an 8 MiB ingest body
 * (MAX_BODY_BYTES) needs ~35 s on a 2 Mbit/s agency link, so a slow but honest worker still gets through. Keep-alive stays above
 * nginx's default upstream keepalive_timeout (60 s) so the proxy, not the server, closes idle connections.
 */
export interface HttpTimeouts {
  /** Time to receive a request's headers. */
  headersMs: number;
  /** Time to receive the whole request, body included. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: Readonly<HttpTimeouts> = Object.freeze({ headersMs: 15_000, requestMs: 60_000, keepAliveMs: 65_000 });
