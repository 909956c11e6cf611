/**
 * A bound on expensive requests running at once, per caller and in all: a frame of the wall's rewind can take
 * seconds of database work and ~16 MB of answer (docs/benchmarks.md, bench:wall step 4), so a signed-in client
 * firing many at once must not hold the pool and the heap. Beyond a bound the caller is told to retry (429).
 * The map holds only callers with a request running, so it cannot grow past `total` keys.
 */
export class InFlight {
  private readonly running = new Map<string, number>();
  private all = 0;

  constructor(
    readonly perCaller: number,
    readonly total: number,
  ) {}

  /** Takes a slot for `caller`, or returns false when the caller or everyone is at the bound. */
  tryEnter(caller: string): boolean {
    const mine = this.running.get(caller) ?? 0;
    if (mine >= this.perCaller || this.all >= this.total) return false;
    this.running.set(caller, mine + 1);
    this.all++;
    return true;
  }

  leave(caller: string): void {
    const mine = this.running.get(caller) ?? 0;
    if (mine <= 0) return;
    if (mine === 1) this.running.delete(caller);
    else this.running.set(caller, mine - 1);
    this.all--;
  }

  /** Callers with a request running (for tests and metrics). */
  get callers(): number {
    return this.running.size;
  }
}
