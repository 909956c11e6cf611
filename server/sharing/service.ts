/**
 * Sharing on request (issue 19): an OPD asks another for one of its terbatas items (purpose, justification, end
 * date, region detail); the owner approves (possibly narrowed), refuses with a note, or extends; either side
 * flags a dispute, which suspends the agreement until the side that raised it (or an admin) lifts it. Reminders
 * go to both sides 14 days before the end, through the notification outbox. Every change is audited in the hash
 * chain, in the transaction that makes it. Results are domain results (`{ kind }`); routes.ts maps them to HTTP.
 *
 * The grant takes effect where reads are judged: the catalog re-reads the agreements every 5 s
 * (AGREEMENT_REFRESH_MS) and live subscriptions are re-judged right after (server/realtime/recheck.ts); this
 * process does both at once after a change (`onChanged`), others within 5 s, well inside the 15 s promised.
 */
import type pg from 'pg';
import type { Principal } from '../../shared/contract';
import type { SharingDecision, SharingRequestInput, SharingAgreementView, SharingRequestView, SharingMatrix } from '../../shared/sharing';
import { EXPIRY_REMINDER_MS, MAX_OPEN_REQUESTS_PER_OPD } from '../../shared/sharing';
import { appendAudit } from '../../db/queries/audit';
import { inTransaction } from '../../db/transaction';
import {
  agreementRow,
  agreementRows,
  closeRequest,
  extendAgreement,
  insertAgreement,
  insertRequest,
  lockAndCountOpenRequests,
  markReminded,
  openRequests,
  requestRow,
  requestRows,
  setDispute,
  usageDays,
  usageTotals,
  type AgreementRow,
  type RequestRow,
} from '../../db/queries/sharing';
import { actorOf } from '../auth/service';
import type { CatalogService } from '../catalog/service';
import { enqueue, type NotificationFact, type OutboxSettings } from '../notifications/outbox';
import { agreementStatus, buildMatrix, checkEndDate, judgeDecision, maySeeMatrix, reminderDue, sideOf } from './rules';
import { localDay, type UsageRecorder } from './usage';

const DAY_MS = 86_400_000;
/** Ended agreements and decided requests stay listed this long (renewal of a just-expired agreement). */
const LISTED_AFTER_END_MS = 90 * DAY_MS;

type SignedIn = Exclude<Principal, { role: 'public' }>;

export type SharingResult<T> =
  | ({ kind: 'ok' } & T)
  | { kind: 'not_signed_in' }
  | { kind: 'not_found'; what: string }
  | { kind: 'forbidden'; reason: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'conflict'; reason: string };

export interface SharingService {
  overview(
    who: Principal,
  ): Promise<SharingResult<{ requests: SharingRequestView[]; agreements: SharingAgreementView[]; requestable: Requestable[] }>>;
  request(who: Principal, input: SharingRequestInput, source: string | null): Promise<SharingResult<{ request: SharingRequestView }>>;
  decide(who: Principal, id: number, d: SharingDecision, source: string | null): Promise<SharingResult<{ request: SharingRequestView }>>;
  withdraw(who: Principal, id: number, source: string | null): Promise<SharingResult<{ request: SharingRequestView }>>;
  /** The owner extends at once; the grantee asks (a renewal request the owner approves). */
  renew(
    who: Principal,
    id: number,
    body: { validUntil: number; justification?: string | undefined },
    source: string | null,
  ): Promise<SharingResult<{ agreement: SharingAgreementView } | { request: SharingRequestView }>>;
  dispute(who: Principal, id: number, note: string, source: string | null): Promise<SharingResult<{ agreement: SharingAgreementView }>>;
  resolve(who: Principal, id: number, note: string, source: string | null): Promise<SharingResult<{ agreement: SharingAgreementView }>>;
  usage(who: Principal, id: number, source: string | null): Promise<SharingResult<{ usage: UsageView }>>;
  matrix(who: Principal): SharingResult<{ matrix: Promise<SharingMatrix> }>;
  /** Sends the expiry reminders that are due (the leader runs it every watch interval; tests call it). */
  remind(): Promise<number>;
}

export interface Requestable {
  itemType: 'metric' | 'event_kind';
  code: string;
  nameId: string;
  nameEn: string;
  ownerOpd: string;
}

export interface UsageView {
  agreementId: number;
  itemType: 'metric' | 'event_kind';
  itemCode: string;
  purpose: string;
  days: { day: string; actor: string; via: 'rest' | 'socket'; reads: number }[];
  total: number;
}

export function createSharingService(deps: {
  pool: pg.Pool;
  catalog: CatalogService;
  usage: UsageRecorder;
  outbox: OutboxSettings & { offsetMin: number; linkBase: string };
  /** The OPD that sees the needs-and-availability matrix beside admins. */
  planningOpd: string;
  clock: () => number;
  /** After a change: re-read the agreements and re-judge live subscriptions in this process. */
  onChanged?: () => void;
}): SharingService {
  const { pool, catalog, clock } = deps;
  const changed = () => deps.onChanged?.();

  const requestView = (who: Principal, r: RequestRow): SharingRequestView => ({
    ...r,
    direction: who.role === 'agency' ? (r.ownerOpd === who.opd ? 'incoming' : r.requesterOpd === who.opd ? 'outgoing' : 'other') : 'other',
  });

  const agreementView = (who: Principal, a: AgreementRow, reads: number, now: number): SharingAgreementView => ({
    id: a.id,
    direction: who.role === 'agency' ? (a.ownerOpd === who.opd ? 'granted' : 'received') : 'other',
    ownerOpd: a.ownerOpd,
    granteeOpd: a.granteeOpd,
    itemType: a.itemType,
    itemCode: a.itemCode,
    purpose: a.purpose,
    regionLevel: a.regionLevel,
    validFrom: a.validFrom,
    validUntil: a.validUntil,
    status: agreementStatus(a, now),
    dispute: a.suspendedAt !== null ? { byOpd: a.disputedByOpd, note: a.disputeNote, at: a.suspendedAt } : null,
    reads30d: reads,
  });

  const itemOf = (type: 'metric' | 'event_kind', code: string) => (type === 'metric' ? catalog.metric(code) : catalog.eventKind(code));
  const signedIn = (who: Principal): who is SignedIn => who.role !== 'public';
  const fromDay = (days: number) => localDay(clock() - days * DAY_MS, deps.outbox.offsetMin);

  const viewOne = async (who: Principal, db: pg.Pool | pg.PoolClient, id: number) => {
    const a = (await agreementRow(db, id))!;
    const reads = (await usageTotals(db, [id], fromDay(30))).get(id) ?? 0;
    return agreementView(who, a, reads, clock());
  };

  const audit = (db: pg.PoolClient, who: SignedIn, action: string, target: string, detail: Record<string, unknown>, source: string | null) =>
    appendAudit(db, [{ actor: actorOf(who), action, target, detail, source }], clock());

  /** Both sides' heads hear it (routes of role 'head' or 'any'). */
  const factsFor = (a: AgreementRow, key: string, subject: string, text: string): NotificationFact[] =>
    [a.ownerOpd, a.granteeOpd].map((opd) => ({
      key: `${key}:${opd}`,
      opd,
      roles: ['head'],
      severity: 'waspada',
      subject,
      text,
      payload: {
        type: 'sharing',
        agreement: a.id,
        ownerOpd: a.ownerOpd,
        granteeOpd: a.granteeOpd,
        item: `${a.itemType}:${a.itemCode}`,
        purpose: a.purpose,
      },
    }));
  /** One side's head hears of a request (the owner) or of its decision (the requester). */
  const requestFact = (r: RequestRow, to: string, key: string, subject: string, text: string): NotificationFact => ({
    key,
    opd: to,
    roles: ['head'],
    severity: 'waspada',
    subject,
    text: `${text}\n${deps.outbox.linkBase}/agency#/berbagi`,
    payload: {
      type: 'sharing_request',
      request: r.id,
      ownerOpd: r.ownerOpd,
      requesterOpd: r.requesterOpd,
      item: `${r.itemType}:${r.itemCode}`,
      purpose: r.purpose,
      status: r.status,
    },
  });

  return {
    async overview(who) {
      if (!signedIn(who)) return { kind: 'not_signed_in' };
      const now = clock();
      const opd = who.role === 'agency' ? who.opd : null;
      const [agreements, requests] = await Promise.all([
        agreementRows(pool, opd, LISTED_AFTER_END_MS, now),
        requestRows(pool, opd, LISTED_AFTER_END_MS, now),
      ]);
      const reads = await usageTotals(
        pool,
        agreements.map((a) => a.id),
        fromDay(30),
      );
      const all = catalog.all();
      const requestable: Requestable[] =
        who.role === 'agency'
          ? [
              ...all.metrics.map((m) => ({ itemType: 'metric' as const, ...m })),
              ...all.eventKinds.map((k) => ({ itemType: 'event_kind' as const, ...k })),
            ]
              .filter((i) => i.class === 'terbatas' && i.ownerOpd !== who.opd)
              .map((i) => ({ itemType: i.itemType, code: i.code, nameId: i.nameId, nameEn: i.nameEn, ownerOpd: i.ownerOpd }))
          : [];
      return {
        kind: 'ok',
        requests: requests.map((r) => requestView(who, r)),
        agreements: agreements.map((a) => agreementView(who, a, reads.get(a.id) ?? 0, now)),
        requestable,
      };
    },

    async request(who, input, source) {
      if (!signedIn(who)) return { kind: 'not_signed_in' };
      if (who.role !== 'agency') return { kind: 'forbidden', reason: 'an OPD asks for data; sign in as its head' };
      const item = itemOf(input.itemType, input.itemCode);
      if (!item) return { kind: 'not_found', what: `${input.itemType} '${input.itemCode}'` };
      if (item.ownerOpd === who.opd) return { kind: 'invalid', reason: `${item.code} is your own OPD's` };
      if (item.class === 'publik') return { kind: 'invalid', reason: `${item.code} is publik: every OPD reads it without an agreement` };
      if (item.class === 'rahasia') return { kind: 'invalid', reason: `${item.code} is rahasia: only its owner reads it, no agreement opens it` };
      const now = clock();
      const term = checkEndDate(input.validUntil, now);
      if (term) return { kind: 'invalid', reason: term };
      // an agreement in force for the same item and purpose is renewed, not asked for twice
      const current = (await agreementRows(pool, who.opd, 0, now)).find(
        (a) => a.granteeOpd === who.opd && a.itemType === input.itemType && a.itemCode === input.itemCode && a.purpose === input.purpose,
      );
      if (current)
        return { kind: 'conflict', reason: `agreement ${current.id} already shares ${input.itemCode} for '${input.purpose}'; renew it instead` };
      const out = await inTransaction(pool, async (c) => {
        if ((await lockAndCountOpenRequests(c, who.opd)) >= MAX_OPEN_REQUESTS_PER_OPD) return 'full' as const;
        const id = await insertRequest(c, { ...input, requesterOpd: who.opd, ownerOpd: item.ownerOpd, renews: null, requestedBy: actorOf(who) }, now);
        if (id === null) return null;
        const row = (await requestRow(c, id))!;
        await enqueue(
          c,
          [
            requestFact(
              row,
              row.ownerOpd,
              `sharing_request:${id}:created`,
              `Permintaan data ${row.itemCode} dari ${row.requesterOpd}`,
              `${row.requesterOpd} meminta ${row.itemCode} untuk tujuan ${row.purpose}: ${row.justification}`,
            ),
          ],
          now,
          deps.outbox,
        );
        await audit(
          c,
          who,
          'sharing.requested',
          `sharing_request:${id}`,
          {
            owner: item.ownerOpd,
            item: `${input.itemType}:${input.itemCode}`,
            purpose: input.purpose,
            validUntil: new Date(input.validUntil).toISOString(),
            regionLevel: input.regionLevel,
          },
          source,
        );
        return (await requestRow(c, id))!;
      });
      if (out === 'full')
        return {
          kind: 'conflict',
          reason: `your OPD already has ${MAX_OPEN_REQUESTS_PER_OPD} open requests; wait for answers or withdraw one first`,
        };
      if (!out) return { kind: 'conflict', reason: `your OPD already has an open request for ${input.itemCode} with purpose '${input.purpose}'` };
      return { kind: 'ok', request: requestView(who, out) };
    },

    async decide(who, id, d, source) {
      if (!signedIn(who)) return { kind: 'not_signed_in' };
      const now = clock();
      const out = await inTransaction(pool, async (c): Promise<SharingResult<{ request: SharingRequestView }>> => {
        const r = await requestRow(c, id, true);
        if (!r || (who.role === 'agency' && who.opd !== r.ownerOpd && who.opd !== r.requesterOpd))
          return { kind: 'not_found', what: `request ${id}` };
        if (!(who.role === 'agency' && who.opd === r.ownerOpd))
          return { kind: 'forbidden', reason: `only ${r.ownerOpd}, the owner, decides on this request` };
        if (r.status !== 'open') return { kind: 'conflict', reason: `request ${id} is already ${r.status}` };
        const j = judgeDecision(r, d, now);
        if (j.kind === 'invalid') return j;
        let agreementId: number | null = null;
        if (j.kind === 'approve') {
          const renewed = r.renews !== null ? await agreementRow(c, r.renews, true) : null;
          if (renewed && renewed.revokedAt === null) {
            await extendAgreement(c, renewed.id, j.validUntil, j.regionLevel);
            agreementId = renewed.id;
          } else {
            agreementId = await insertAgreement(
              c,
              {
                ownerOpd: r.ownerOpd,
                granteeOpd: r.requesterOpd,
                itemType: r.itemType,
                itemCode: r.itemCode,
                purpose: r.purpose,
                regionLevel: j.regionLevel,
                validUntil: j.validUntil,
                reference: `request:${r.id}`,
              },
              now,
            );
          }
        }
        await closeRequest(c, id, { status: j.kind === 'approve' ? 'approved' : 'refused', by: actorOf(who), note: j.note, agreementId }, now);
        const narrowed = j.kind === 'approve' && (j.validUntil !== r.validUntil || j.regionLevel !== r.regionLevel);
        await audit(
          c,
          who,
          j.kind === 'approve' ? (r.renews !== null ? 'sharing.renewed' : 'sharing.granted') : 'sharing.refused',
          `sharing_request:${id}`,
          j.kind === 'approve'
            ? {
                agreement: agreementId,
                grantee: r.requesterOpd,
                item: `${r.itemType}:${r.itemCode}`,
                purpose: r.purpose,
                validUntil: new Date(j.validUntil).toISOString(),
                regionLevel: j.regionLevel,
                narrowed,
                note: j.note,
              }
            : { grantee: r.requesterOpd, item: `${r.itemType}:${r.itemCode}`, note: j.note },
          source,
        );
        const decided = (await requestRow(c, id))!;
        await enqueue(
          c,
          [
            requestFact(
              decided,
              decided.requesterOpd,
              `sharing_request:${id}:${decided.status}`,
              `Permintaan data ${decided.itemCode}: ${decided.status === 'approved' ? 'disetujui' : 'ditolak'}`,
              `${decided.ownerOpd} ${decided.status === 'approved' ? 'menyetujui' : 'menolak'} permintaan ${decided.itemCode} (tujuan ${decided.purpose})${decided.decisionNote ? `: ${decided.decisionNote}` : ''}`,
            ),
          ],
          now,
          deps.outbox,
        );
        return { kind: 'ok', request: requestView(who, decided) };
      });
      if (out.kind === 'ok') changed();
      return out;
    },

    async withdraw(who, id, source) {
      if (!signedIn(who)) return { kind: 'not_signed_in' };
      const now = clock();
      return inTransaction(pool, async (c): Promise<SharingResult<{ request: SharingRequestView }>> => {
        const r = await requestRow(c, id, true);
        if (!r || (who.role === 'agency' && who.opd !== r.ownerOpd && who.opd !== r.requesterOpd))
          return { kind: 'not_found', what: `request ${id}` };
        if (!(who.role === 'agency' && who.opd === r.requesterOpd))
          return { kind: 'forbidden', reason: `only ${r.requesterOpd}, who asked, withdraws it` };
        if (r.status !== 'open') return { kind: 'conflict', reason: `request ${id} is already ${r.status}` };
        await closeRequest(c, id, { status: 'withdrawn', by: actorOf(who), note: null, agreementId: null }, now);
        await audit(c, who, 'sharing.request_withdrawn', `sharing_request:${id}`, { owner: r.ownerOpd, item: `${r.itemType}:${r.itemCode}` }, source);
        return { kind: 'ok', request: requestView(who, (await requestRow(c, id))!) };
      });
    },

    async renew(who, id, body, source) {
      if (!signedIn(who)) return { kind: 'not_signed_in' };
      const now = clock();
      const out = await inTransaction(
        pool,
        async (c): Promise<SharingResult<{ agreement: SharingAgreementView } | { request: SharingRequestView }>> => {
          const a = await agreementRow(c, id, true);
          const side = a ? sideOf(who, a) : 'none';
          if (!a || a.revokedAt !== null || side === 'none') return { kind: 'not_found', what: `agreement ${id}` };
          if (side === 'admin') return { kind: 'forbidden', reason: 'the owner extends, the grantee asks; an admin uses the CLI' };
          const term = checkEndDate(body.validUntil, now);
          if (term) return { kind: 'invalid', reason: term };
          if (body.validUntil <= a.validUntil) return { kind: 'invalid', reason: 'a renewal moves the end date later' };
          if (side === 'owner') {
            await extendAgreement(c, id, body.validUntil);
            await audit(
              c,
              who,
              'sharing.extended',
              `sharing_agreement:${id}`,
              { grantee: a.granteeOpd, from: new Date(a.validUntil).toISOString(), to: new Date(body.validUntil).toISOString() },
              source,
            );
            return { kind: 'ok', agreement: await viewOne(who, c, id) };
          }
          const rid = await insertRequest(
            c,
            {
              requesterOpd: a.granteeOpd,
              ownerOpd: a.ownerOpd,
              itemType: a.itemType,
              itemCode: a.itemCode,
              purpose: a.purpose,
              justification: body.justification?.trim() || `renewal of agreement ${id}`,
              validUntil: body.validUntil,
              regionLevel: a.regionLevel,
              renews: id,
              requestedBy: actorOf(who),
            },
            now,
          );
          if (rid === null) return { kind: 'conflict', reason: `your OPD already has an open request for ${a.itemCode} with purpose '${a.purpose}'` };
          await audit(
            c,
            who,
            'sharing.renewal_requested',
            `sharing_request:${rid}`,
            { agreement: id, owner: a.ownerOpd, validUntil: new Date(body.validUntil).toISOString() },
            source,
          );
          return { kind: 'ok', request: requestView(who, (await requestRow(c, rid))!) };
        },
      );
      if (out.kind === 'ok') changed();
      return out;
    },

    async dispute(who, id, note, source) {
      if (!signedIn(who)) return { kind: 'not_signed_in' };
      const now = clock();
      const out = await inTransaction(pool, async (c): Promise<SharingResult<{ agreement: SharingAgreementView }>> => {
        const a = await agreementRow(c, id, true);
        const side = a ? sideOf(who, a) : 'none';
        if (!a || a.revokedAt !== null || side === 'none') return { kind: 'not_found', what: `agreement ${id}` };
        if (a.suspendedAt !== null) return { kind: 'conflict', reason: `agreement ${id} is already suspended by a dispute` };
        if (a.validUntil <= now) return { kind: 'conflict', reason: `agreement ${id} has ended` };
        await setDispute(c, id, { byOpd: who.role === 'agency' ? who.opd : null, note }, now);
        await audit(
          c,
          who,
          'sharing.disputed',
          `sharing_agreement:${id}`,
          { owner: a.ownerOpd, grantee: a.granteeOpd, item: `${a.itemType}:${a.itemCode}`, note },
          source,
        );
        await enqueue(
          c,
          factsFor(
            a,
            `sharing:${id}:disputed:${now}`,
            `Perjanjian berbagi data ${a.itemCode} ditangguhkan`,
            `Perjanjian ${id} (${a.ownerOpd} → ${a.granteeOpd}, ${a.itemCode}, tujuan ${a.purpose}) ditangguhkan karena sengketa: ${note}\n${deps.outbox.linkBase}/agency#/berbagi`,
          ),
          now,
          deps.outbox,
        );
        return { kind: 'ok', agreement: await viewOne(who, c, id) };
      });
      if (out.kind === 'ok') changed();
      return out;
    },

    async resolve(who, id, note, source) {
      if (!signedIn(who)) return { kind: 'not_signed_in' };
      const out = await inTransaction(pool, async (c): Promise<SharingResult<{ agreement: SharingAgreementView }>> => {
        const a = await agreementRow(c, id, true);
        const side = a ? sideOf(who, a) : 'none';
        if (!a || side === 'none') return { kind: 'not_found', what: `agreement ${id}` };
        if (a.suspendedAt === null) return { kind: 'conflict', reason: `agreement ${id} is not suspended` };
        if (side !== 'admin' && !(who.role === 'agency' && who.opd === a.disputedByOpd))
          return { kind: 'forbidden', reason: `only ${a.disputedByOpd ?? 'an admin'}, who raised the dispute, or an admin lifts it` };
        await setDispute(c, id, null, clock());
        await audit(
          c,
          who,
          'sharing.dispute_resolved',
          `sharing_agreement:${id}`,
          { raisedBy: a.disputedByOpd, raisedNote: a.disputeNote, note },
          source,
        );
        return { kind: 'ok', agreement: await viewOne(who, c, id) };
      });
      if (out.kind === 'ok') changed();
      return out;
    },

    async usage(who, id, source) {
      if (!signedIn(who)) return { kind: 'not_signed_in' };
      const a = await agreementRow(pool, id);
      const side = a ? sideOf(who, a) : 'none';
      if (!a || side === 'none') return { kind: 'not_found', what: `agreement ${id}` };
      if (side === 'grantee') return { kind: 'forbidden', reason: `the usage of agreement ${id} is shown to its owner ${a.ownerOpd}` };
      // what is not flushed yet is shown too: the owner looks right after a read
      await deps.usage.flush();
      const days = await usageDays(pool, id, fromDay(90));
      const total = days.reduce((s, d) => s + d.reads, 0);
      // the view is audited: who looked at whose readers
      await appendAudit(
        pool,
        [
          {
            actor: actorOf(who),
            action: 'sharing.usage_viewed',
            target: `sharing_agreement:${id}`,
            detail: { owner: a.ownerOpd, grantee: a.granteeOpd, total },
            source,
          },
        ],
        clock(),
      );
      return { kind: 'ok', usage: { agreementId: id, itemType: a.itemType, itemCode: a.itemCode, purpose: a.purpose, days, total } };
    },

    matrix(who) {
      if (!signedIn(who)) return { kind: 'not_signed_in' };
      if (!maySeeMatrix(who, deps.planningOpd))
        return { kind: 'forbidden', reason: `the needs-and-availability matrix is for admins and ${deps.planningOpd}` };
      const now = clock();
      const all = catalog.all();
      const items = [
        ...all.metrics.map((m) => ({ itemType: 'metric' as const, code: m.code, ownerOpd: m.ownerOpd, class: m.class })),
        ...all.eventKinds.map((k) => ({ itemType: 'event_kind' as const, code: k.code, ownerOpd: k.ownerOpd, class: k.class })),
      ];
      const matrix = Promise.all([agreementRows(pool, null, 0, now), openRequests(pool)]).then(([agreements, open]) =>
        buildMatrix(all.opd, items, agreements, open, now),
      );
      return { kind: 'ok', matrix };
    },

    async remind() {
      const now = clock();
      const candidates = (await agreementRows(pool, null, 0, now)).filter((a) => reminderDue(a, now));
      let sent = 0;
      for (const a of candidates) {
        const done = await inTransaction(pool, async (c) => {
          if (!(await markReminded(c, a.id, a.validUntil))) return false; // another process did it
          const days = Math.max(0, Math.ceil((a.validUntil - now) / DAY_MS));
          const until = new Date(a.validUntil).toISOString().slice(0, 10);
          await enqueue(
            c,
            factsFor(
              a,
              `sharing:${a.id}:expiry:${a.validUntil}`,
              `Perjanjian berbagi data ${a.itemCode} berakhir dalam ${days} hari`,
              `Perjanjian ${a.id} (${a.ownerOpd} → ${a.granteeOpd}, ${a.itemCode}, tujuan ${a.purpose}) berakhir ${until}. Perpanjang di tablet OPD.\n${deps.outbox.linkBase}/agency#/berbagi`,
            ),
            now,
            deps.outbox,
          );
          await appendAudit(
            c,
            [
              {
                actor: 'system',
                action: 'sharing.expiry_reminded',
                target: `sharing_agreement:${a.id}`,
                detail: { owner: a.ownerOpd, grantee: a.granteeOpd, validUntil: new Date(a.validUntil).toISOString(), withinMs: EXPIRY_REMINDER_MS },
                source: null,
              },
            ],
            now,
          );
          return true;
        });
        if (done) sent++;
      }
      return sent;
    },
  };
}
