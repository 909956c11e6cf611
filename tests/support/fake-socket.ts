/** A fake of the client's socket for sync-engine tests: requests are recorded and answered by hand. */
export class FakeSocket {
  connected = false;
  active = true;
  private readonly handlers = new Map<string, Set<(...a: unknown[]) => void>>();
  readonly requests: { event: string; arg: unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];

  on(ev: string, fn: (...a: unknown[]) => void): this {
    if (!this.handlers.has(ev)) this.handlers.set(ev, new Set());
    this.handlers.get(ev)!.add(fn);
    return this;
  }
  off(ev: string, fn?: (...a: unknown[]) => void): this {
    if (fn) this.handlers.get(ev)?.delete(fn);
    else this.handlers.delete(ev);
    return this;
  }
  /** What socket.io's `socket.timeout(ms).emitWithAck(event, arg)` does: a promise answered by `answer(i, …)`. */
  timeout(_ms: number) {
    return {
      emitWithAck: (event: string, arg: unknown) =>
        new Promise<unknown>((resolve, reject) => {
          this.requests.push({ event, arg, resolve, reject });
        }),
    };
  }
  /** The SyncSocket view (sync/engine.ts) of this fake. */
  request(event: string, arg: unknown): Promise<unknown> {
    return this.timeout(0).emitWithAck(event, arg);
  }
  answer(i: number, res: unknown): void {
    this.requests[i]!.resolve(res);
  }
  timeoutRequest(i: number): void {
    this.requests[i]!.reject(new Error('operation has timed out'));
  }
  push(ev: string, ...a: unknown[]): void {
    for (const fn of this.handlers.get(ev) ?? []) fn(...a);
  }
  connect(): void {
    this.connected = true;
    this.push('connect');
  }
  disconnect(): void {
    this.connected = false;
    this.push('disconnect', 'transport close');
  }
  listenerCount(): number {
    let n = 0;
    for (const s of this.handlers.values()) n += s.size;
    return n;
  }
}

/** Lets answered promises run their continuations. */
export const tick = () => new Promise((r) => setTimeout(r, 0));
