/** The bound on expensive requests at once (server/http/in-flight.ts), used by the wall's rewind route. */
import { describe, expect, it } from 'vitest';
import { InFlight } from '../../server/http/in-flight';

describe('InFlight', () => {
  it('lets each caller run at most perCaller at once, and everyone at most total', () => {
    const f = new InFlight(2, 3);
    expect([f.tryEnter('a'), f.tryEnter('a'), f.tryEnter('a')]).toEqual([true, true, false]); // a at its bound
    expect(f.tryEnter('b')).toBe(true);
    expect(f.tryEnter('c')).toBe(false); // everyone at the bound
    f.leave('a');
    expect(f.tryEnter('c')).toBe(true); // a freed slot serves anyone
    expect(f.tryEnter('a')).toBe(false);
  });

  it('forgets a caller once nothing of it runs, and ignores a leave without an enter', () => {
    const f = new InFlight(2, 10);
    f.tryEnter('a');
    f.tryEnter('b');
    f.leave('a');
    f.leave('a'); // no slot: changes nothing
    expect(f.callers).toBe(1);
    f.leave('b');
    expect(f.callers).toBe(0);
    // the total was not thrown off by the extra leave
    for (let i = 0; i < 5; i++) expect(f.tryEnter(`c${i}`)).toBe(true);
    expect(new InFlight(1, 1).tryEnter('x')).toBe(true);
  });

  it('never holds more callers than its total, however many ask', () => {
    const f = new InFlight(1, 4);
    let admitted = 0;
    for (let i = 0; i < 10_000; i++) if (f.tryEnter(`caller-${i}`)) admitted++;
    expect(admitted).toBe(4);
    expect(f.callers).toBe(4);
  });
});
