/** Escalation policies and the due rule (server/incidents/escalation.ts), on a fake clock. */
import { describe, expect, it } from 'vitest';
import { choosePolicy, dueEscalations, type EscalationPolicy } from '../../server/incidents/escalation';

const MIN = 60_000;
const awas: EscalationPolicy = {
  id: 1,
  subject: 'alert',
  severity: 'awas',
  metric: null,
  eventKind: null,
  steps: [
    { afterMin: 10, level: 2, notify: ['head', 'supervisor'] },
    { afterMin: 30, level: 3, notify: ['sekda'] },
  ],
  reminderMin: 15,
};
const anyAlert: EscalationPolicy = { ...awas, id: 2, severity: null, steps: [{ afterMin: 60, level: 2, notify: ['head'] }], reminderMin: null };
const waterLevel: EscalationPolicy = { ...awas, id: 3, metric: 'water_level', steps: [{ afterMin: 5, level: 2, notify: ['head'] }] };

describe('which policy applies', () => {
  it.each([
    ['an Awas alert of another metric: the Awas policy', { type: 'alert', severity: 'awas', metric: 'traffic_speed' }, 1],
    ['an Awas water level: the metric policy (more specific)', { type: 'alert', severity: 'awas', metric: 'water_level' }, 3],
    ['a Siaga alert: the catch-all', { type: 'alert', severity: 'siaga', metric: 'water_level' }, 2],
    ['an incident: none', { type: 'incident', severity: 'awas' }, null],
  ] as const)('%s', (_n, subject, id) => {
    expect(choosePolicy([waterLevel, anyAlert, awas], subject)?.id ?? null).toBe(id);
  });
});

describe('what is due', () => {
  const start = Date.UTC(2026, 11, 6, 1, 0);
  const none = { level: 1, lastReminderAt: null };
  it.each([
    ['nothing before 10 min', 10 * MIN - 1, none, []],
    ['level 2 at exactly 10 min', 10 * MIN, none, [{ kind: 'escalate', level: 2 }]],
    ['level 2 once: not again at 11 min', 11 * MIN, { level: 2, lastReminderAt: null }, []],
    ['a reminder 15 min after the start', 15 * MIN, { level: 2, lastReminderAt: null }, [{ kind: 'remind', level: 2 }]],
    ['not again before the interval', 29 * MIN, { level: 2, lastReminderAt: start + 15 * MIN }, []],
    [
      'level 3 at exactly 30 min (no reminder in the same tick)',
      30 * MIN,
      { level: 2, lastReminderAt: start + 15 * MIN },
      [{ kind: 'escalate', level: 3 }],
    ],
    [
      'after an outage: both steps in order, once each, no reminder burst',
      3 * 60 * MIN,
      none,
      [
        { kind: 'escalate', level: 2 },
        { kind: 'escalate', level: 3 },
      ],
    ],
  ] as const)('%s', (_n, after, progress, expected) => {
    const due = dueEscalations(awas, start, progress, false, start + after);
    expect(due.map((d) => ({ kind: d.kind, level: d.level }))).toEqual(expected);
  });
  it('the step is dated at its own time, not the tick that found it', () => {
    expect(dueEscalations(awas, start, none, false, start + 10 * MIN + 4_000)[0]?.dueAt).toBe(start + 10 * MIN);
  });
  it('never anything once acted on', () => {
    for (const after of [0, 10 * MIN, 30 * MIN, 600 * MIN]) expect(dueEscalations(awas, start, none, true, start + after)).toEqual([]);
  });
  it('re-running with the progress it produced changes nothing', () => {
    const now = start + 31 * MIN;
    const first = dueEscalations(awas, start, none, false, now);
    const reached = { level: Math.max(...first.map((d) => d.level)), lastReminderAt: null };
    expect(dueEscalations(awas, start, reached, false, now).filter((d) => d.kind === 'escalate')).toEqual([]);
  });
});
