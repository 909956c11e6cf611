/**
 * What the messages say: short, in Bahasa Indonesia, with the link to the item. Pure: facts in, notification
 * facts (server/notifications/outbox.ts) out.
 */
import { watchTitle, type IncidentSeverity, type WireIncident, type WireWatchAlert } from '../../shared/incidents';
import type { NotificationFact, NotifyRole } from './outbox';

const SEVERITY_ID: Record<IncidentSeverity, string> = { waspada: 'WASPADA', siaga: 'SIAGA', awas: 'AWAS' };
const STATUS_ID: Record<WireIncident['status'], string> = {
  baru: 'baru',
  diterima: 'diterima',
  dikerjakan: 'sedang dikerjakan',
  selesai: 'selesai',
  ditolak: 'ditolak',
};

const incidentLink = (base: string, id: number) => `${base}/agency#insiden/${id}`;
const fmtTime = (t: number, offsetMin: number) => {
  const d = new Date(t + offsetMin * 60_000);
  return `${String(d.getUTCHours()).padStart(2, '0')}.${String(d.getUTCMinutes()).padStart(2, '0')}`;
};

export type IncidentNotice =
  | { kind: 'created' }
  | { kind: 'reassigned'; fromOpd: string; reason: string }
  | { kind: 'support'; opd: string; note: string | null }
  | { kind: 'resolved'; note: string }
  | { kind: 'escalated'; level: number; roles: readonly NotifyRole[] }
  | { kind: 'reminder'; level: number };

/** The fact an incident's change makes, addressed to the OPD (and roles) that must hear it. */
export function incidentFact(
  inc: WireIncident,
  notice: IncidentNotice,
  ctx: { linkBase: string; offsetMin: number; stamp: string },
): NotificationFact {
  const link = incidentLink(ctx.linkBase, inc.id);
  const head = `[${SEVERITY_ID[inc.severity]}] Insiden #${inc.id}: ${inc.title}`;
  const target = `Target selesai pukul ${fmtTime(inc.targetAt, ctx.offsetMin)}.`;
  const base = {
    severity: inc.severity,
    payload: {
      type: `incident.${notice.kind}`,
      incident: { id: inc.id, title: inc.title, status: inc.status, handlingOpd: inc.handlingOpd, region: inc.region, targetAt: inc.targetAt },
      link,
    },
  };
  switch (notice.kind) {
    case 'created':
      return {
        ...base,
        key: `incident:${inc.id}:created`,
        opd: inc.handlingOpd,
        roles: 'all',
        subject: `${head} — disposisi ke ${inc.handlingOpd}`,
        text: `${head}\nDisposisi untuk ${inc.handlingOpd}. ${target}\n${link}`,
      };
    case 'reassigned':
      return {
        ...base,
        key: `incident:${inc.id}:reassigned:${ctx.stamp}`,
        opd: inc.handlingOpd,
        roles: 'all',
        subject: `${head} — dialihkan dari ${notice.fromOpd}`,
        text: `${head}\nDialihkan dari ${notice.fromOpd} ke ${inc.handlingOpd} (alasan: ${notice.reason}). ${target}\n${link}`,
      };
    case 'support':
      return {
        ...base,
        key: `incident:${inc.id}:support:${notice.opd}:${ctx.stamp}`,
        opd: notice.opd,
        roles: 'all',
        subject: `${head} — permintaan dukungan`,
        text: `${head}\n${inc.handlingOpd} meminta dukungan ${notice.opd}.${notice.note ? ` Catatan: ${notice.note}` : ''}\n${link}`,
      };
    case 'resolved':
      return {
        ...base,
        key: `incident:${inc.id}:resolved`,
        opd: null,
        roles: ['supervisor'],
        subject: `${head} — selesai`,
        text: `${head}\nStatus: ${STATUS_ID[inc.status]}. ${notice.note}\n${link}`,
      };
    case 'escalated':
      return {
        ...base,
        key: `incident:${inc.id}:escalated:${notice.level}`,
        opd: inc.handlingOpd,
        roles: notice.roles,
        subject: `${head} — eskalasi level ${notice.level}`,
        text: `${head}\nMelewati target, belum selesai (status: ${STATUS_ID[inc.status]}). Eskalasi ke level ${notice.level}.\n${link}`,
      };
    case 'reminder':
      return {
        ...base,
        key: `incident:${inc.id}:reminder:${ctx.stamp}`,
        opd: inc.handlingOpd,
        roles: 'all',
        subject: `${head} — pengingat`,
        text: `${head}\nPengingat: belum selesai (status: ${STATUS_ID[inc.status]}).\n${link}`,
      };
  }
}

/** An alert's escalation step or reminder, to the owner OPD's roles and the command center's. */
export function alertFact(
  a: { id: number; metric: string; metricName: string; entity: string; level: 'siaga' | 'awas'; ownerOpd: string },
  notice: { kind: 'escalated'; level: number; roles: readonly NotifyRole[] } | { kind: 'reminder'; level: number; stamp: string },
  linkBase: string,
): NotificationFact {
  const head = `[${SEVERITY_ID[a.level]}] Peringatan ${a.metricName} di ${a.entity}`;
  const link = `${linkBase}/agency#peringatan/${a.id}`;
  const payload = {
    type: `alert.${notice.kind}`,
    alert: { id: a.id, metric: a.metric, entity: a.entity, level: a.level, ownerOpd: a.ownerOpd },
    level: notice.level,
    link,
  };
  if (notice.kind === 'escalated')
    return {
      key: `alert:${a.id}:escalated:${notice.level}`,
      opd: a.ownerOpd,
      roles: notice.roles,
      severity: a.level,
      subject: `${head} — eskalasi level ${notice.level}`,
      text: `${head}\nBelum ditanggapi. Eskalasi ke level ${notice.level}.\n${link}`,
      payload,
    };
  return {
    key: `alert:${a.id}:reminder:${notice.stamp}`,
    opd: a.ownerOpd,
    roles: 'all',
    severity: a.level,
    subject: `${head} — pengingat`,
    text: `${head}\nPengingat: belum ditanggapi.\n${link}`,
    payload,
  };
}

/** A watch alert opened (a feed or a metric gone quiet, a complaint past its SLA), or its escalation, to its OPD. */
export function watchFact(
  w: WireWatchAlert,
  linkBase: string,
  notice: { kind: 'opened' } | { kind: 'escalated'; level: number; roles: readonly NotifyRole[] } = { kind: 'opened' },
): NotificationFact {
  const what = watchTitle(w);
  const head = `[${SEVERITY_ID[w.severity]}] ${what}`;
  const link = `${linkBase}/agency#pantauan/${w.id}`;
  const payload = { type: `watch.${notice.kind}`, watch: { id: w.id, kind: w.kind, subject: w.subject, opd: w.opd }, link };
  if (notice.kind === 'escalated')
    return {
      key: `watch:${w.id}:escalated:${notice.level}`,
      opd: w.opd,
      roles: notice.roles,
      severity: w.severity,
      subject: `${head} — eskalasi level ${notice.level}`,
      text: `${head}\nBelum ditanggapi. Eskalasi ke level ${notice.level}.\n${link}`,
      payload,
    };
  return {
    key: `watch:${w.id}:opened`,
    opd: w.opd,
    roles: 'all',
    severity: w.severity,
    subject: head,
    text: `${head}\nUntuk ${w.opd}.\n${link}`,
    payload,
  };
}
