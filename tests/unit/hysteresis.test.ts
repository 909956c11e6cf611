import { describe, expect, it } from 'vitest';
import { evaluateAlert } from '../../shared/alerts';
import { ALERT_LEVELS, alertLevel, alertLevelWithHysteresis, type AlertLevel } from '../../shared/catalog';

const T = { waspada: 150, siaga: 200, awas: 250 };
const r = (t: number, v: number) => ({ t, v });

describe('alertLevelWithHysteresis', () => {
  it.each<[string, number, number, AlertLevel, AlertLevel]>([
    // name, value, hysteresis, previous, expected
    ['rises at once, whatever the margin', 200, 10, 'normal', 'siaga'],
    ['rises two levels at once', 260, 10, 'waspada', 'awas'],
    ['stays at awas just below its threshold', 245, 10, 'awas', 'awas'],
    ['leaves awas once below threshold − hysteresis', 239, 10, 'awas', 'siaga'],
    ['exactly at threshold − hysteresis still holds', 240, 10, 'awas', 'awas'],
    ['falling far keeps the highest level still within its margin', 145, 10, 'awas', 'waspada'],
    ['falling below every margin reaches normal', 139, 10, 'awas', 'normal'],
    ['a value never at a level is judged plainly', 195, 10, 'waspada', 'waspada'],
    ['hysteresis 0 is the plain level', 249.9, 0, 'awas', 'siaga'],
    ['unchanged level stays', 210, 10, 'siaga', 'siaga'],
  ])('%s', (_name, value, h, previous, expected) => {
    expect(alertLevelWithHysteresis(value, T, h, previous)).toBe(expected);
  });

  it('without thresholds is always normal', () => {
    expect(alertLevelWithHysteresis(1e9, null, 5, 'awas')).toBe('normal');
  });

  it('property: never above the plain level when rising, never below it when falling, and 0 margin is alertLevel', () => {
    const rank = (l: AlertLevel) => ALERT_LEVELS.indexOf(l);
    for (let v = 100; v <= 300; v += 0.5)
      for (const previous of ALERT_LEVELS)
        for (const h of [0, 3, 20]) {
          const got = alertLevelWithHysteresis(v, T, h, previous);
          const plain = alertLevel(v, T);
          expect(rank(got)).toBeGreaterThanOrEqual(rank(plain));
          expect(rank(got)).toBeLessThanOrEqual(Math.max(rank(plain), rank(previous)));
          if (h === 0) expect(got).toBe(plain);
        }
  });
});

describe('evaluateAlert with hysteresis', () => {
  it.each([
    [
      'a value wavering just under waspada keeps the alert open',
      5,
      [r(1, 210), r(2, 148), r(3, 151), r(4, 146)],
      [
        { kind: 'open', level: 'siaga', time: 1, value: 210 },
        { kind: 'update', time: 2, value: 148 },
        { kind: 'update', time: 3, value: 151 },
        { kind: 'update', time: 4, value: 146 },
      ],
    ],
    [
      'clears once below waspada − hysteresis',
      5,
      [r(1, 210), r(2, 148), r(3, 144.9)],
      [
        { kind: 'open', level: 'siaga', time: 1, value: 210 },
        { kind: 'update', time: 2, value: 148 },
        { kind: 'clear', time: 3, value: 144.9 },
      ],
    ],
    [
      'without hysteresis the same readings clear at once',
      0,
      [r(1, 210), r(2, 148)],
      [
        { kind: 'open', level: 'siaga', time: 1, value: 210 },
        { kind: 'clear', time: 2, value: 148 },
      ],
    ],
    ['opening still needs the threshold itself', 5, [r(1, 199)], []],
  ] as const)('%s', (_name, h, readings, expected) => {
    expect(evaluateAlert(null, readings, T, h)).toEqual(expected);
  });
});
