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
 * is an unknown with a prior interval (`priorsOf`) that is exactly what its published marker says: "< k" is
 * [0, k−1] (a zero may be hidden as a cover, so the marker does not say the count is positive), a hidden cover
 * of k or more is [k, ∞) (issue 21: the page says "< 5" where it hides a small count, so the marker is public).
 *
 * The attacker. `propagate` is interval propagation to a fixpoint: each relation bounds each of its unknowns
 * by the others' bounds, over and over. tests/unit/public-disclosure.test.ts shows it recovering planted cells,
 * and the integration test (tests/integration/disclosure-attack.test.ts) runs it over every public answer.
 *
 * The rule. `protectJointly` starts from the small counts (1..k−1) alone and audits them with that attacker:
 * while some hidden small count is pinned (its lower bound meets its upper bound), the smallest shown figure
 * (zeros first: hiding one costs no information and keeps the "< k" marker true) of the relation that bounded
 * it is hidden too. Only small counts need protecting: a hidden zero or a cover ≥ k, once pinned, tells
 * nothing that could not have been published. Hiding more never narrows another interval, so this ends, at
 * worst with everything but the fixed figures hidden. (Issue 21: starting from suppression.ts's per-table
 * patterns, which assume a hidden count ≥ 1 and want its upper bound ≥ k, hid most of a sparse city — the
 * 24 h resolved total and nearly every category total — while the audit alone needs a few zeros.)
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
  // Keys become indices once; the loop then works on typed arrays (a city's publication has ~15k relations).
  const index = new Map<Key, number>();
  const keys: Key[] = [];
  const value: number[] = [];
  const start = new Int32Array(relations.length + 1);
  let nTerms = 0;
  for (const r of relations) nTerms += r.terms.length;
  const termVar = new Int32Array(nTerms);
  const termCoef = new Float64Array(nTerms);
  let t = 0;
  relations.forEach((r, i) => {
    start[i] = t;
    for (const [key, a] of r.terms) {
      let v = index.get(key);
      if (v === undefined) {
        v = keys.length;
        index.set(key, v);
        keys.push(key);
        value.push(known.get(key) ?? NaN);
      }
      termVar[t] = v;
      termCoef[t++] = a;
    }
  });
  start[relations.length] = t;
  const n = keys.length;
  const isKnown = new Uint8Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    if (!Number.isNaN(value[v]!)) {
      isKnown[v] = 1;
      continue;
    }
    const b = prior(keys[v]!);
    lo[v] = b.lo;
    hi[v] = b.hi;
  }
  // the relations each unknown is in
  const degree = new Int32Array(n + 1);
  for (let j = 0; j < t; j++) if (!isKnown[termVar[j]!]) degree[termVar[j]! + 1]!++;
  for (let v = 0; v < n; v++) degree[v + 1]! += degree[v]!;
  const usersOf = new Int32Array(degree[n]!);
  const fill = degree.slice(0, n);
  relations.forEach((_, i) => {
    for (let j = start[i]!; j < start[i + 1]!; j++) {
      const v = termVar[j]!;
      if (!isKnown[v]) usersOf[fill[v]!++] = i;
    }
  });
  const whyLoIdx = new Int32Array(n).fill(-1);
  const whyHiIdx = new Int32Array(n).fill(-1);

  const queue: number[] = [];
  const queued = new Uint8Array(relations.length);
  for (let i = 0; i < relations.length; i++) {
    for (let j = start[i]!; j < start[i + 1]!; j++)
      if (!isKnown[termVar[j]!]) {
        queue.push(i);
        queued[i] = 1;
        break;
      }
  }
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
    const eq = relations[i]!.op === 'eq';
    // constant part and the range of the unknown part; infinite contributions counted apart
    let c = 0;
    let min = 0;
    let max = 0;
    let minInf = 0;
    let maxInf = 0;
    for (let j = start[i]!; j < start[i + 1]!; j++) {
      const v = termVar[j]!;
      const a = termCoef[j]!;
      if (isKnown[v]) {
        c += a * value[v]!;
        continue;
      }
      const l = a > 0 ? a * lo[v]! : a * hi[v]!;
      const h = a > 0 ? a * hi[v]! : a * lo[v]!;
      if (l === -Infinity) minInf++;
      else min += l;
      if (h === Infinity) maxInf++;
      else max += h;
    }
    // Every unknown bounded from the others' range as it was at the start of this visit (sound: the others'
    // bounds only tighten); a change queues the relation again, so it still reaches its own fixpoint.
    let changedAny = false;
    for (let j = start[i]!; j < start[i + 1]!; j++) {
      const v = termVar[j]!;
      if (isKnown[v]) continue;
      const a = termCoef[j]!;
      const ownLo = a > 0 ? a * lo[v]! : a * hi[v]!;
      const ownHi = a > 0 ? a * hi[v]! : a * lo[v]!;
      const oMin = ownLo === -Infinity ? (minInf > 1 ? -Infinity : min) : minInf > 0 ? -Infinity : min - ownLo;
      const oMax = ownHi === Infinity ? (maxInf > 1 ? Infinity : max) : maxInf > 0 ? Infinity : max - ownHi;
      // a·x = −c − others (eq), a·x ≤ −c − others.min (le)
      const axLo = eq ? -c - oMax : -Infinity;
      const axHi = -c - oMin;
      const newLo = Math.ceil((a > 0 ? axLo / a : axHi / a) - 1e-9);
      const newHi = Math.floor((a > 0 ? axHi / a : axLo / a) + 1e-9);
      let changed = false;
      if (newLo > lo[v]!) {
        lo[v] = newLo;
        whyLoIdx[v] = i;
        changed = true;
      }
      if (newHi < hi[v]!) {
        hi[v] = newHi;
        whyHiIdx[v] = i;
        changed = true;
      }
      if (changed) {
        changedAny = true;
        for (let u = degree[v]!; u < degree[v + 1]!; u++) {
          const r = usersOf[u]!;
          if (!queued[r]) {
            queued[r] = 1;
            queue.push(r);
          }
        }
      }
    }
    if (changedAny && !queued[i]) {
      queued[i] = 1;
      queue.push(i);
    }
  }
  const bounds = new Map<Key, Bounds>();
  const whyLo = new Map<Key, number>();
  const whyHi = new Map<Key, number>();
  for (let v = 0; v < n; v++) {
    if (isKnown[v]) continue;
    bounds.set(keys[v]!, { lo: lo[v]!, hi: hi[v]! });
    if (whyLoIdx[v]! >= 0) whyLo.set(keys[v]!, whyLoIdx[v]!);
    if (whyHiIdx[v]! >= 0) whyHi.set(keys[v]!, whyHiIdx[v]!);
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
 * The attacker's priors for a publication, exactly what the published marker says: a hidden count below k is
 * published as "< k" (0..k−1: a zero may be hidden as a cover, so "< k" does not say it is positive), a hidden
 * cover of k or more as hidden without that marker (so it is known to be ≥ k).
 */
export function priorsOf(figures: ReadonlyMap<Key, Figure>, k: number): Prior {
  return (key) => {
    const f = figures.get(key);
    return !f || f.value < k ? { lo: 0, hi: k - 1 } : { lo: k, hi: Infinity };
  };
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

/** Rounds of hiding spent on one pinned figure before it is reported as unprotected. */
const MAX_REPAIRS = 8;

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
  // A figure still pinned after a few repairs is pinned by relations hiding cannot loosen (fixed figures,
  // or an equation that gives both bounds): more hiding would only spread through unrelated figures.
  const attempts = new Map<Key, number>();
  for (; rounds <= figures.size; rounds++) {
    const toHide = new Set<Key>();
    for (const key of hidden) {
      const b = p.bounds.get(key);
      // only a small count (1..k−1) needs protecting: a hidden zero or a hidden count ≥ k, pinned, tells what
      // could have been published anyway
      if (!b || !figures.get(key)?.primary) continue;
      if (!exposure(b)) continue;
      const n = attempts.get(key) ?? 0;
      if (n >= MAX_REPAIRS) continue;
      attempts.set(key, n + 1);
      // The relations that bounded it, then those that bounded their other hidden figures, breadth first:
      // hide the smallest shown figure of the nearest one that has any. When none has any (only fixed or
      // hidden figures), nothing published here could help: it is reported. (Searching every other relation
      // of those figures too was tried: it hides unrelated figures for nothing.)
      const search = (): Figure | null => {
        const near = (x: Key) => [p.whyLo.get(x), p.whyHi.get(x)].filter((i): i is number => i !== undefined);
        const seen = new Set<number>();
        const queue = near(key);
        let pick: Figure | null = null;
        while (queue.length && !pick && seen.size < 200) {
          const i = queue.shift()!;
          if (seen.has(i)) continue;
          seen.add(i);
          for (const [other] of relations[i]!.terms) {
            const f = figures.get(other);
            if (!f || fixed.has(other) || toHide.has(other)) continue;
            if (hidden.has(other)) {
              for (const j of near(other)) if (!seen.has(j)) queue.push(j);
              continue;
            }
            if (!pick || f.value < pick.value) pick = f;
          }
        }
        return pick;
      };
      const pick = search();
      if (pick) toHide.add(pick.key);
    }
    if (toHide.size === 0) break;
    for (const key of toHide) hidden.add(key);
    p = attack();
  }
  // A cover the attacker pins anyway (a zero or a count ≥ k) hides nothing: publish it. Publishing a figure at
  // the value the fixpoint already holds leaves the fixpoint as it is, so no other bound moves.
  for (const key of [...hidden]) {
    const b = p.bounds.get(key);
    if (b && !figures.get(key)!.primary && exposure(b)) hidden.delete(key);
  }
  const unprotected = [...hidden].filter((key) => {
    const b = p.bounds.get(key);
    return b !== undefined && figures.get(key)!.primary && exposure(b) !== null;
  });
  return { hidden, unprotected, rounds };
}
