/**
 * Escalation policies as data (table escalation_policy) and the pure rule that says what is due: which policy
 * applies to a watched subject, and which steps and reminders fire at `now`. Table-tested on a fake clock in
 * tests/unit/escalation-rules.test.ts; the watcher (server/incidents/watch.ts) applies what it answers.
 */
import { z } from 'zod';
import type { IncidentSeverity } from '../../shared/incidents';

export const ESCALATION_ROLES = ['head', 'staff', 'officer', 'supervisor', 'sekda'] as const;
export type EscalationRole = (typeof ESCALATION_ROLES)[number];

export const escalationStepSchema = z.object({
  /** Minutes after the subject's start (an alert's opening, an incident's target) at which the step fires. */
  afterMin: z
    .number()
    .min(0)
    .max(7 * 24 * 60),
  level: z.number().int().min(2).max(9),
  notify: z.array(z.enum(ESCALATION_ROLES)).max(5),
});
export const escalationStepsSchema = z.array(escalationStepSchema).min(1).max(9);
export type EscalationStep = z.infer<typeof escalationStepSchema>;

export type EscalationSubjectType = 'alert' | 'incident' | 'watch';

export interface EscalationPolicy {
  id: number;
  subject: EscalationSubjectType;
  severity: IncidentSeverity | null;
  metric: string | null;
  eventKind: string | null;
  steps: readonly EscalationStep[];
  reminderMin: number | null;
}

export interface WatchedSubject {
  type: EscalationSubjectType;
  severity: IncidentSeverity;
  metric?: string | null;
  eventKind?: string | null;
}

/**
 * The policy for a subject: of the policies of its type whose severity, metric and event kind match (null
 * matches anything), the most specific (metric or event kind beats severity beats none); ties go to the lowest id.
 */
export function choosePolicy(policies: readonly EscalationPolicy[], s: WatchedSubject): EscalationPolicy | null {
  let best: { p: EscalationPolicy; score: number } | null = null;
  for (const p of policies) {
    if (p.subject !== s.type) continue;
    if (p.severity !== null && p.severity !== s.severity) continue;
    if (p.metric !== null && p.metric !== (s.metric ?? null)) continue;
    if (p.eventKind !== null && p.eventKind !== (s.eventKind ?? null)) continue;
    const score = (p.metric !== null || p.eventKind !== null ? 4 : 0) + (p.severity !== null ? 2 : 0);
    if (!best || score > best.score || (score === best.score && p.id < best.p.id)) best = { p, score };
  }
  return best?.p ?? null;
}

/** Where a subject's escalation stands (table escalation_state). */
export interface EscalationProgress {
  /** 1 = nothing fired yet. */
  level: number;
  lastReminderAt: number | null;
}

export type EscalationAction =
  { kind: 'escalate'; level: number; notify: readonly EscalationRole[]; dueAt: number } | { kind: 'remind'; level: number; dueAt: number };

const MIN = 60_000;

/**
 * What fires at `now` for a subject that started at `startAt` and nobody has acted on (`settled`: nothing, ever).
 * Every step whose time has come and whose level is above the one reached fires (a process down for an hour
 * catches up in order, each step once); a reminder is due `reminderMin` after the start or the last reminder,
 * once, however long the pause was (no burst of reminders after an outage).
 */
export function dueEscalations(
  policy: EscalationPolicy,
  startAt: number,
  progress: EscalationProgress,
  settled: boolean,
  now: number,
): EscalationAction[] {
  if (settled) return [];
  const out: EscalationAction[] = [];
  let level = progress.level;
  for (const step of [...policy.steps].sort((a, b) => a.afterMin - b.afterMin)) {
    const dueAt = startAt + step.afterMin * MIN;
    if (dueAt <= now && step.level > level) {
      out.push({ kind: 'escalate', level: step.level, notify: step.notify, dueAt });
      level = step.level;
    }
  }
  if (policy.reminderMin !== null && out.length === 0) {
    const dueAt = (progress.lastReminderAt ?? startAt) + policy.reminderMin * MIN;
    if (dueAt <= now) out.push({ kind: 'remind', level, dueAt });
  }
  return out;
}
