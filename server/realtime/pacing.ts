/**
 * When a channel's buffered deltas go out (issue 18, benchmarks). The stream used to hold every delta until the
 * next fixed tick: a wait uniform in 0–tick, 0–100 ms, the largest part of ingest → client latency. Now a
 * channel that is within its rate budget sends at once (after the current I/O turn, so what commits together
 * goes together), and coalescing starts only when a channel publishes faster than one message per `intervalMs`:
 * a token bucket per channel, refilled at one token per `intervalMs`, holding at most `burst` tokens. A room's
 * message rate therefore stays bounded (≤ 1000 / intervalMs per second on average, `burst` back to back), as
 * the fixed tick bounded it, without making a quiet channel wait.
 */

export interface PaceState {
  /** Tokens left at `at` (fractional: refilled continuously). */
  tokens: number;
  at: number;
}

export interface PaceRule {
  intervalMs: number;
  burst: number;
}

/**
 * Pure: how long a channel with pending deltas waits before it sends, and its bucket after sending then.
 * `state` undefined: the channel has not sent yet (a full bucket).
 */
export function paceDelay(state: PaceState | undefined, now: number, rule: PaceRule): { delayMs: number; next: PaceState } {
  const tokens = state === undefined ? rule.burst : Math.min(rule.burst, state.tokens + Math.max(0, now - state.at) / rule.intervalMs);
  if (tokens >= 1) return { delayMs: 0, next: { tokens: tokens - 1, at: now } };
  const delayMs = Math.ceil((1 - tokens) * rule.intervalMs);
  // the token earned while waiting is spent by the send
  return { delayMs, next: { tokens: 0, at: now + delayMs } };
}

/**
 * Runs `send(keys)` per channel as the rule allows; `due(key)` says the channel has something to send. Channels
 * that may send at once and became due in the same turn are sent together (one call, one delivery).
 */
export function createPacer(rule: PaceRule, send: (keys: string[]) => void, now: () => number = () => performance.now()) {
  const buckets = new Map<string, PaceState>();
  const pending = new Map<string, { cancel: () => void }>();
  /** Keys that go after the current I/O turn, and the one immediate that sends them. */
  let soon: string[] = [];
  let immediate: NodeJS.Immediate | null = null;
  const sendSoon = () => {
    immediate = null;
    const keys = soon;
    soon = [];
    for (const k of keys) pending.delete(k);
    send(keys);
  };
  return {
    due(key: string): void {
      if (pending.has(key)) return; // already scheduled: it takes what is buffered when it runs
      const { delayMs, next } = paceDelay(buckets.get(key), now(), rule);
      buckets.set(key, next);
      if (delayMs === 0) {
        soon.push(key);
        immediate ??= setImmediate(sendSoon);
        pending.set(key, { cancel: () => {} });
      } else {
        const h = setTimeout(() => {
          pending.delete(key);
          send([key]);
        }, delayMs);
        h.unref();
        pending.set(key, { cancel: () => clearTimeout(h) });
      }
    },
    /** Drops every scheduled send (the caller flushes what is buffered itself). */
    cancelAll(): void {
      for (const p of pending.values()) p.cancel();
      pending.clear();
      if (immediate) clearImmediate(immediate);
      immediate = null;
      soon = [];
    },
  };
}
