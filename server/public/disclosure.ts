/**
 * Joint disclosure control of everything the public view publishes about complaints. Pure; no I/O.
 *
 * Why. suppression.ts protects one table with its margins. The public view publishes many tables of the same
 * complaints: per period (24 h ⊂ 7 d ⊂ 30 d), per measure (received, resolved, open), per place and category
 * and per time bucket, in the summary, the map, the performance view, the open-data files and CKAN. An
 * attacker who reads them all has more equations than any one table: the city total of one table is a
 * margin of another, a count in 24 h is at most the same count in 7 d, and a complaint received in a period
 * and not closed is still open (open ≥ received − resolved, cell by cell). Protecting each table alone let an
 * outsider recover hidden cells exactly (issue 13).
 *
 * The model. Every published number is a figure with a key; figures with the same meaning share the key, so
 * the same number is the same figure wherever it appears (the city's resolved total of 24 h in the summary and
 * in the performance view; the open table, which does not depend on the period). What the attacker knows of
 * the figures' relations is a list of linear relations Σ coef·figure = 0 or ≤ 0 (`Relation`). A hidden figure
 * is an unknown with a prior interval (`priorsOf`): [0, k−1] when it was hidden for being small, [0, ∞)
 * otherwise (a zero may be hidden as a cover, and nothing published tells a small count from a cover).
 *
 * The attacker. `propagate` is interval propagation to a fixpoint: each relation bounds each of its unknowns
 * by the others' bounds, over and over. tests/unit/public-disclosure.test.ts shows it recovering planted cells,
 * and the integration test (tests/integration/disclosure-attack.test.ts) runs it over every public answer.
 *
 * The rule. `protectJointly` starts from the per-table patterns (small counts and their complementary cells,
 * suppression.ts) and audits them with that attacker: while some hidden figure is pinned (its lower bound
 * meets its upper bound), the smallest shown figure (zeros first: hiding them costs no information) of the
 * relation that bounded it is hidden too. Hiding
 * more never narrows another interval, so this ends, at worst with everything but the fixed figures hidden.
 * Figures that are published elsewhere regardless (the city's open count, a publik metric) are `fixed`: known
 * to the attacker and never hidden.
 */

export type Key = string;

/** Σ coef · figure, compared with 0: `eq` (= 0) or `le` (≤ 0). */
export interface Relation {
  terms: readonly (readonly [Key, number])[];
  op: 'eq' | 'le';
}

export interface Bounds {
  lo: number;
  hi: number;
}

/** What the attacker is assumed to know of a hidden figure before reading any relation. */
export type Prior = (key: Key) => Bounds;

export interface Propagation {
  bounds: Map<Key, Bounds>;
  /** The relation (index) that last raised a figure's lower bound / lowered its upper bound. */
  whyLo: Map<Key, number>;
  whyHi: Map<Key, number>;
  /** Relation evaluations spent (bounded by `maxSteps`). */
  steps: number;
}

/**
 * Interval propagation: the tightest bounds of every unknown that repeated use of single relations gives.
 * `known` holds the published figures; any other key in a relation is an unknown with its `prior`.
 */
export function propagate(known: ReadonlyMap<Key, number>, relations: readonly Relation[], prior: Prior, maxSteps = 2_000_000): Propagation {
  const bounds = new Map<Key, Bounds>();
  const users = new Map<Key, number[]>();
  const whyLo = new Map<Key, number>();
  const whyHi = new Map<Key, number>();
  relations.forEach((r, i) => {
    for (const [key] of r.terms) {
      if (known.has(key)) continue;
      if (!bounds.has(key)) bounds.set(key, { ...prior(key) });
      let u = users.get(key);
      if (!u) users.set(key, (u = []));
      if (u[u.length - 1] !== i) u.push(i);
    }
  });
  const queue: number[] = [];
  const queued = new Uint8Array(relations.length);
  relations.forEach((r, i) => {
    if (r.terms.some(([key]) => !known.has(key))) {
      queue.push(i);
      queued[i] = 1;
    }
  });
  let steps = 0;
  let head = 0;
  while (head < queue.length && steps < maxSteps) {
    const i = queue[head++]!;
    if (head > 65_536 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    queued[i] = 0;
    steps++;
    const r = relations[i]!;
    // constant part and the range of the unknown part; infinite contributions counted apart
    let c = 0;
    let min = 0;
    let max = 0;
    let minInf = 0;
    let maxInf = 0;
    for (const [key, a] of r.terms) {
      const v = known.get(key);
      if (v !== undefined) {
        c += a * v;
        continue;
      }
      const b = bounds.get(key)!;
      const lo = a > 0 ? a * b.lo : a * b.hi;
      const hi = a > 0 ? a * b.hi : a * b.lo;
      if (lo === -Infinity) minInf++;
      else min += lo;
      if (hi === Infinity) maxInf++;
      else max += hi;
    }
    // Every unknown bounded from the others' range as it was at the start of this visit (sound: the others'
    // bounds only tighten); a change queues the relation again, so it still reaches its own fixpoint.
    let changedAny = false;
    for (const [key, a] of r.terms) {
      if (known.has(key)) continue;
      const b = bounds.get(key)!;
      const ownLo = a > 0 ? a * b.lo : a * b.hi;
      const ownHi = a > 0 ? a * b.hi : a * b.lo;
      const oMin = ownLo === -Infinity ? (minInf > 1 ? -Infinity : min) : minInf > 0 ? -Infinity : min - ownLo;
      const oMax = ownHi === Infinity ? (maxInf > 1 ? Infinity : max) : maxInf > 0 ? Infinity : max - ownHi;
      // a·x = −c − others (eq), a·x ≤ −c − others.min (le)
      const axLo = r.op === 'eq' ? -c - oMax : -Infinity;
      const axHi = -c - oMin;
      const lo = Math.ceil((a > 0 ? axLo / a : axHi / a) - 1e-9);
      const hi = Math.floor((a > 0 ? axHi / a : axLo / a) + 1e-9);
      let changed = false;
      if (lo > b.lo) {
        b.lo = lo;
        whyLo.set(key, i);
        changed = true;
      }
      if (hi < b.hi) {
        b.hi = hi;
        whyHi.set(key, i);
        changed = true;
      }
      if (changed) {
        changedAny = true;
        for (const j of users.get(key)!) {
          if (!queued[j]) {
            queued[j] = 1;
            queue.push(j);
          }
        }
      }
    }
    if (changedAny && !queued[i]) {
      queued[i] = 1;
      queue.push(i);
    }
  }
  return { bounds, whyLo, whyHi, steps };
}

export interface Figure {
  key: Key;
  value: number;
  /** Hidden for being small (1..k−1), before any complementary hiding. */
  primary: boolean;
}

export interface JointInput {
  figures: readonly Figure[];
  relations: readonly Relation[];
  k: number;
  /** Hidden by the per-table patterns (primary and complementary). */
  hidden: ReadonlySet<Key>;
  /** Known to the attacker whatever is published here, so never hidden (a publik metric of the same count). */
  fixed?: ReadonlySet<Key>;
}

export interface JointResult {
  hidden: Set<Key>;
  /** Hidden figures the rule could not protect (only fixed or hidden figures bound them); empty in practice. */
  unprotected: Key[];
  rounds: number;
}

/**
 * The attacker's priors for a publication: a small hidden count is 0..k−1, any other hidden figure ≥ 0 (a zero
 * may be hidden too, as a cover, so a hidden figure is not known to be positive). The attacker is granted
 * knowing which hidden counts are small, which nothing published tells.
 */
export function priorsOf(figures: ReadonlyMap<Key, Figure>, k: number): Prior {
  return (key) => (figures.get(key)?.primary ? { lo: 0, hi: k - 1 } : { lo: 0, hi: Infinity });
}

/**
 * Whether a hidden figure is exposed: the attacker pins it (its lower bound meets its upper bound). A small
 * count whose upper bound falls below k − 1 is narrowed but not exposed: in a table whose every count is
 * small (a quiet day) the counts bound one another and nothing publishable could prevent it; the tests
 * measure how often it happens.
 */
export function exposure(b: Bounds): 'pinned' | null {
  return b.lo >= b.hi ? 'pinned' : null;
}

/** The hidden set that the attacker of `propagate` cannot expose (module comment). */
export function protectJointly(input: JointInput): JointResult {
  const { relations, k } = input;
  const figures = new Map(input.figures.map((f) => [f.key, f]));
  const fixed = input.fixed ?? new Set<Key>();
  const hidden = new Set([...input.hidden].filter((key) => !fixed.has(key) && figures.has(key)));
  const prior = priorsOf(figures, k);
  const attack = () => {
    const known = new Map<Key, number>();
    for (const f of figures.values()) if (!hidden.has(f.key)) known.set(f.key, f.value);
    return propagate(known, relations, prior);
  };
  let rounds = 0;
  let p = attack();
  for (; rounds <= figures.size; rounds++) {
    const toHide = new Set<Key>();
    for (const key of hidden) {
      const b = p.bounds.get(key);
      if (!b) continue;
      if (!exposure(b)) continue;
      // The relations that bounded it, then those that bounded their other hidden figures, breadth first:
      // hide the smallest shown figure of the nearest one that has any. When none has (only fixed or hidden
      // figures), nothing published here could help: it is reported.
      const seen = new Set<number>();
      const queue = [p.whyLo.get(key), p.whyHi.get(key)].filter((i): i is number => i !== undefined);
      let pick: Figure | null = null;
      while (queue.length && !pick && seen.size < 200) {
        const i = queue.shift()!;
        if (seen.has(i)) continue;
        seen.add(i);
        for (const [other] of relations[i]!.terms) {
          const f = figures.get(other);
          if (!f || fixed.has(other) || toHide.has(other)) continue;
          if (hidden.has(other)) {
            for (const j of [p.whyLo.get(other), p.whyHi.get(other)]) if (j !== undefined && !seen.has(j)) queue.push(j);
            continue;
          }
          if (!pick || f.value < pick.value) pick = f;
        }
      }
      if (pick) toHide.add(pick.key);
    }
    if (toHide.size === 0) break;
    for (const key of toHide) hidden.add(key);
    p = attack();
  }
  const unprotected = [...hidden].filter((key) => {
    const b = p.bounds.get(key);
    return b !== undefined && exposure(b) !== null;
  });
  return { hidden, unprotected, rounds };
}
