import { describe, expect, it } from 'vitest';
import { valueProblem, VALUE_SANITY_BOUND } from '../../shared/catalog';

const metric = { code: 'water_level', unit: 'cm', valueMin: -1000, valueMax: 5000 };
const unbounded = { code: 'project_budget_absorbed', unit: 'IDR', valueMin: 0, valueMax: null };

describe('valueProblem', () => {
  it.each([
    [metric, 120, null],
    [metric, -1000, null],
    [metric, 5000, null],
    [metric, 5000.01, /outside water_level's bounds \[-1000, 5000\] cm/],
    [metric, -1001, /outside/],
    [unbounded, 4.2e12, null],
    [unbounded, -1, /outside project_budget_absorbed's bounds \[0, ∞\]/],
    [unbounded, VALUE_SANITY_BOUND, null],
    [unbounded, VALUE_SANITY_BOUND * 1.01, /beyond/],
    [{ code: 'x', unit: 'u' }, 1e308, /beyond/],
    [{ code: 'x', unit: 'u' }, -1e308, /beyond/],
    [{ code: 'x', unit: 'u' }, Number.NaN, /beyond/],
  ])('%o, %d → %s', (m, v, expected) => {
    const got = valueProblem(v, m);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toMatch(expected);
  });
  it('keeps every sum of bounded values finite', () => {
    // a minute bucket of a million readings at the bound, summed in hours of 60 buckets
    expect(Number.isFinite(VALUE_SANITY_BOUND * 1e6 * 60 * 24 * 366)).toBe(true);
  });
});
