import { describe, expect, it } from 'vitest';
import { evaluateAlert } from '../../shared/alerts';

const T = { waspada: 150, siaga: 200, awas: 250 };
const r = (t: number, v: number) => ({ t, v });

describe('evaluateAlert', () => {
  it.each([
    ['nothing below Siaga', null, [r(1, 100), r(2, 199)], []],
    ['opens at Siaga', null, [r(1, 100), r(2, 205)], [{ kind: 'open', level: 'siaga', time: 2, value: 205 }]],
    ['opens straight at Awas', null, [r(1, 260)], [{ kind: 'open', level: 'awas', time: 1, value: 260 }]],
    [
      'escalates once, then only moves along',
      { level: 'siaga', lastTime: 0 },
      [r(1, 230), r(2, 255), r(3, 270)],
      [
        { kind: 'update', time: 1, value: 230 },
        { kind: 'escalate', level: 'awas', time: 2, value: 255 },
        { kind: 'update', time: 3, value: 270 },
      ],
    ],
    [
      'holds while at Waspada, clears below it',
      { level: 'awas', lastTime: 0 },
      [r(1, 180), r(2, 149)],
      [
        { kind: 'update', time: 1, value: 180 },
        { kind: 'clear', time: 2, value: 149 },
      ],
    ],
    ['ignores readings not newer than the last evaluated', { level: 'siaga', lastTime: 10 }, [r(5, 10), r(10, 10)], []],
    [
      'takes readings in time order whatever order they came in',
      null,
      [r(3, 100), r(1, 210), r(2, 100)],
      [
        { kind: 'open', level: 'siaga', time: 1, value: 210 },
        { kind: 'clear', time: 2, value: 100 },
      ],
    ],
  ] as const)('%s', (_name, open, readings, expected) => {
    expect(evaluateAlert(open, readings, T)).toEqual(expected);
  });

  it('does not reopen on a late upload of old readings once a newer one was seen', () => {
    const first = evaluateAlert(null, [r(10, 100)], T);
    expect(first).toEqual([]);
    // an alert only exists while open; history is the database's, not re-evaluated
    expect(evaluateAlert({ level: 'siaga', lastTime: 20 }, [r(15, 300)], T)).toEqual([]);
  });
});
