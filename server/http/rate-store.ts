/**
 * Where express-rate-limit counts. One process: in memory (its default). A cluster (REDIS_URL): in Redis, so a
 * limit per key or address holds across processes behind a balancer without sticky sessions. createApp sets
 * the factory once, before any route makes its limiter; each limiter gets a store of its own (a prefix each).
 */
import type { Store } from 'express-rate-limit';

let shared: ((prefix: string) => Store) | null = null;

/** Counts of every limiter made from now on go to this store (null: back to memory). */
export function shareRateLimits(factory: ((prefix: string) => Store) | null): void {
  shared = factory;
}

/** The `store` option for a limiter named `prefix` (absent: memory). */
export const rateLimitStore = (prefix: string): { store?: Store } => (shared ? { store: shared(prefix) } : {});
