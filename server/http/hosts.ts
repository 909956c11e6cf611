/**
 * The Host header check (DNS rebinding): a page of another site whose name the attacker points at this
 * server's address makes the browser send that name as Host. Requests and socket handshakes whose Host is not
 * one of ours are refused before any route runs.
 *
 * An entry of ALLOWED_HOSTS is `name` (any port) or `name:port` (that port only); IPv6 literals in brackets.
 * Loopback names (localhost, 127.0.0.1, [::1]) are always accepted: a rebinding page cannot make a browser send
 * them, and the worker, `admin doctor` and a reverse proxy on the same box reach the server by them.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { RequestHandler } from 'express';

export const LOOPBACK_HOSTS: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '[::1]']);

/** `name[:port]` in lower case with IPv6 literals bracketed, or null when it is not a host at all. */
export function parseHost(value: string): { name: string; port: string | null } | null {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(v);
  if (m) return { name: m[1]!, port: m[2] ?? null };
  // a bare IPv6 literal (allowed in the list for convenience; never valid as a Host header, which brackets it)
  if (isIP(v) === 6) return { name: `[${v}]`, port: null };
  return null;
}

/** The pure rule: is this Host header one of the allowed entries? Table-tested in tests/unit/hosts.test.ts. */
export function hostAllowed(header: string | undefined, allowed: readonly string[]): boolean {
  if (!header) return false;
  const host = parseHost(header);
  if (!host || host.name.startsWith('[') !== header.trim().startsWith('[')) return false;
  return allowed.some((entry) => {
    const a = parseHost(entry);
    return a !== null && a.name === host.name && (a.port === null || a.port === host.port);
  });
}

/** Every name the server answers to: the configured ones, the listen address when it is a specific one, loopback. */
export function allowedHostList(configured: readonly string[], listenHost?: string): string[] {
  const out = new Set([...LOOPBACK_HOSTS, ...configured.map((h) => h.trim().toLowerCase()).filter(Boolean)]);
  if (listenHost && !['0.0.0.0', '::', ''].includes(listenHost)) out.add(isIP(listenHost) === 6 ? `[${listenHost}]` : listenHost.toLowerCase());
  return [...out];
}

export function checkHostHeader(allowed: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (hostAllowed(req.headers.host, allowed)) return next();
    res.status(421).json({ error: 'this server does not answer to that host name (ALLOWED_HOSTS)', details: [] });
  };
}

/** The same check for socket.io's `allowRequest`. */
export const requestHostAllowed = (req: IncomingMessage, allowed: readonly string[]): boolean => hostAllowed(req.headers.host, allowed);
