/**
 * Debian's Chromium for the browser tests: where it is, the flags it runs with here, and the rule that a
 * missing browser skips the tests locally but fails them under CI=true.
 */
import { existsSync } from 'node:fs';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Without the background-networking flags Chromium tries Google's hosts, which this network refuses. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const chromiumAvailable = existsSync(CHROMIUM);
if (!chromiumAvailable && process.env.CI === 'true') {
  throw new Error(`CI=true but no Chromium at ${CHROMIUM}: the browser tests would be skipped`);
}

/**
 * Aborts, and records in `offsite`, every request of the context that would leave the server's origin
 * (data: and blob: URLs stay in the page): the product must work with no network beyond its own server.
 */
export async function refuseOffsite(context: BrowserContext, serverUrl: string, offsite: string[]): Promise<void> {
  const origin = new URL(serverUrl).origin;
  await context.route(
    (url) => !(url.origin === origin || url.protocol === 'data:' || url.protocol === 'blob:'),
    (route) => {
      offsite.push(route.request().url());
      return route.abort();
    },
  );
}
