/**
 * Public notices (issue 21): publish, edit, withdraw (each audited in the same transaction as the change),
 * and the lists the public page, the feeds and the history read. A change reaches live clients through the
 * `notices` channel (server/notices/channel.ts) after its commit; nothing here emits on a socket. Notices that
 * ended more than 90 days ago are purged whenever a notice is published, and never listed meanwhile.
 */
import type pg from 'pg';
import type { Principal } from '../../shared/contract';
import { NOTICE_HISTORY_DAYS, type NoticeCreateInput, type NoticeUpdateInput, type WireNotice } from '../../shared/notices';
import { appendAudit } from '../../db/queries/audit';
import {
  currentNotices,
  lockAndCountCurrent,
  getNotice,
  insertNotice,
  noticeHistory,
  purgeNotices,
  regionOutlines,
  updateNotice,
  withdrawNotice,
  type NoticeContent,
  type NoticeRow,
} from '../../db/queries/notices';
import { inTransaction } from '../../db/transaction';
import type { CatalogService } from '../catalog/service';
import type { NoticeArea } from './cap';
import { DEFAULT_SEVERITY, MAX_CURRENT_NOTICES_PER_OPD, PUBLIC_NOTICES_LIMIT, mayChange, mayPublish, windowProblem } from './rules';

export type NoticeResult =
  | { kind: 'ok'; notice: WireNotice }
  | { kind: 'not_signed_in' }
  | { kind: 'forbidden'; reason: string }
  | { kind: 'not_found' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'conflict'; reason: string };

export interface NoticeService {
  create(who: Principal, input: NoticeCreateInput, source: string | null): Promise<NoticeResult>;
  update(who: Principal, id: number, input: NoticeUpdateInput, source: string | null): Promise<NoticeResult>;
  withdraw(who: Principal, id: number, version: number | undefined, source: string | null): Promise<NoticeResult>;
  /** In force or announced, not withdrawn (the public page, the live snapshot). */
  current(): Promise<WireNotice[]>;
  /** The last 90 days, withdrawn and ended ones included. */
  history(): Promise<WireNotice[]>;
  /** One notice of the history (null: none, or older than 90 days). */
  get(id: number): Promise<WireNotice | null>;
  /** Kelurahan names and outlines of a notice's area (CAP). */
  area(n: WireNotice): Promise<NoticeArea>;
}

const actorOf = (who: Principal): string => (who.role === 'public' ? 'public' : who.user ? `user:${who.user}` : `token:${who.tokenId}`);

export const toWire = (r: NoticeRow): WireNotice => {
  const { createdBy: _createdBy, ...wire } = r;
  return wire;
};

class Refusal extends Error {
  constructor(readonly result: Exclude<NoticeResult, { kind: 'ok' }>) {
    super(result.kind);
  }
}

export function createNoticeService(deps: {
  pool: pg.Pool;
  catalog: Pick<CatalogService, 'hasRegion'>;
  /** Told every committed change (the live channel publishes it). */
  publish: (notice: WireNotice) => void;
  clock: () => number;
}): NoticeService {
  const { pool, catalog, clock } = deps;
  const horizon = () => clock() - NOTICE_HISTORY_DAYS * 86_400_000;

  /** The stored content of an input, or why it cannot be stored. */
  function content(input: NoticeCreateInput | NoticeUpdateInput, now: number, keepFrom?: number): NoticeContent | Refusal {
    const validFrom = input.validFrom ?? keepFrom ?? now;
    const problem = windowProblem(validFrom, input.validUntil, now);
    if (problem) return new Refusal({ kind: 'invalid', reason: problem });
    const regions = [...new Set(input.regions)];
    const unknown = regions.filter((r) => !catalog.hasRegion(r));
    if (unknown.length) return new Refusal({ kind: 'invalid', reason: `no region ${unknown.slice(0, 3).join(', ')}` });
    return {
      kind: input.kind,
      severity: input.severity ?? DEFAULT_SEVERITY[input.kind],
      headline: input.headline,
      description: input.description,
      instruction: input.instruction || null,
      regions,
      geometry: input.geometry ?? null,
      validFrom,
      validUntil: input.validUntil,
    };
  }

  const audited = async (c: pg.PoolClient, who: Principal, action: string, row: NoticeRow, source: string | null, now: number) =>
    appendAudit(
      c,
      [
        {
          actor: actorOf(who),
          action,
          target: `notice:${row.id}`,
          detail: { kind: row.kind, severity: row.severity, opd: row.opd, version: row.version, validUntil: row.validUntil, regions: row.regions },
          source,
        },
      ],
      now,
    );

  /** A change of an existing notice, under its row lock, by someone allowed to, at the version they read. */
  async function change(
    who: Principal,
    id: number,
    version: number | undefined,
    action: string,
    apply: (c: pg.PoolClient, before: NoticeRow, now: number) => Promise<NoticeRow>,
    source: string | null,
  ): Promise<NoticeResult> {
    if (who.role === 'public') return { kind: 'not_signed_in' };
    const now = clock();
    try {
      const row = await inTransaction(pool, async (c) => {
        const before = await getNotice(c, id, { forUpdate: true });
        if (!before) throw new Refusal({ kind: 'not_found' });
        const may = mayChange(who, before.opd);
        if (!may.allow) throw new Refusal({ kind: 'forbidden', reason: may.reason });
        if (before.withdrawnAt !== null) throw new Refusal({ kind: 'conflict', reason: `notice ${id} was withdrawn` });
        if (version !== undefined && version !== before.version)
          throw new Refusal({ kind: 'conflict', reason: `notice ${id} changed meanwhile (version ${before.version}, not ${version}); reload it` });
        const after = await apply(c, before, now);
        await audited(c, who, action, after, source, now);
        return after;
      });
      const wire = toWire(row);
      deps.publish(wire);
      return { kind: 'ok', notice: wire };
    } catch (e) {
      if (e instanceof Refusal) return e.result;
      throw e;
    }
  }

  return {
    async create(who, input, source) {
      const may = mayPublish(who, input.opd);
      if (!may.allow) return who.role === 'public' ? { kind: 'not_signed_in' } : { kind: 'forbidden', reason: may.reason };
      const now = clock();
      const c = content(input, now);
      if (c instanceof Refusal) return c.result;
      if (may.opd && (await pool.query(`SELECT 1 FROM opd WHERE code = $1`, [may.opd])).rowCount !== 1)
        return { kind: 'invalid', reason: `no OPD ${may.opd}` };
      let row;
      try {
        row = await inTransaction(pool, async (tx) => {
          await purgeNotices(tx, now, NOTICE_HISTORY_DAYS);
          if ((await lockAndCountCurrent(tx, may.opd ?? null, now)) >= MAX_CURRENT_NOTICES_PER_OPD)
            throw new Refusal({
              kind: 'conflict',
              reason: `${may.opd ?? 'the command center'} already has ${MAX_CURRENT_NOTICES_PER_OPD} current notices; withdraw one first`,
            });
          const r = await insertNotice(tx, { ...c, opd: may.opd, createdBy: actorOf(who), now });
          await audited(tx, who, 'notice.published', r, source, now);
          return r;
        });
      } catch (e) {
        if (e instanceof Refusal) return e.result;
        throw e;
      }
      const wire = toWire(row);
      deps.publish(wire);
      return { kind: 'ok', notice: wire };
    },

    update(who, id, input, source) {
      return change(
        who,
        id,
        input.version,
        'notice.updated',
        async (tx, before, now) => {
          const c = content(input, now, before.validFrom);
          if (c instanceof Refusal) throw c;
          return updateNotice(tx, id, c, now);
        },
        source,
      );
    },

    withdraw(who, id, version, source) {
      return change(who, id, version, 'notice.withdrawn', (tx, _before, now) => withdrawNotice(tx, id, now), source);
    },

    async current() {
      return (await currentNotices(pool, clock(), PUBLIC_NOTICES_LIMIT)).map(toWire);
    },

    async history() {
      return (await noticeHistory(pool, clock(), NOTICE_HISTORY_DAYS)).map(toWire);
    },

    async get(id) {
      const row = await getNotice(pool, id);
      if (!row) return null;
      const ended = Math.min(row.validUntil, row.withdrawnAt ?? Infinity);
      return ended > horizon() ? toWire(row) : null;
    },

    async area(n) {
      const outlines = await regionOutlines(pool, n.regions);
      return { names: outlines.map((o) => o.name), rings: outlines.flatMap((o) => (o.ring ? [o.ring] : [])) };
    },
  };
}
