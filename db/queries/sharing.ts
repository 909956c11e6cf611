/** Data-sharing agreements between OPD. */
import type pg from 'pg';
import type { Agreement } from '../../shared/sharing';

type Db = pg.Pool | pg.PoolClient;

const COLUMNS = `id, owner_opd AS "ownerOpd", grantee_opd AS "granteeOpd", item_type AS "itemType", item_code AS "itemCode", purpose,
  (extract(epoch FROM valid_from) * 1000)::float8 AS "validFrom", (extract(epoch FROM valid_until) * 1000)::float8 AS "validUntil"`;

/** Agreements not revoked and not yet ended (the rule checks validity against its own clock). */
export async function loadAgreements(db: Db): Promise<Agreement[]> {
  const { rows } = await db.query<Agreement>(`SELECT ${COLUMNS} FROM sharing_agreement WHERE revoked_at IS NULL AND valid_until > now() ORDER BY id`);
  return rows;
}

export async function listAgreements(db: Db): Promise<(Agreement & { reference: string | null; revokedAt: number | null })[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS}, reference, (extract(epoch FROM revoked_at) * 1000)::float8 AS "revokedAt" FROM sharing_agreement ORDER BY id`,
  );
  return rows;
}

export async function grantAgreement(
  db: Db,
  a: {
    ownerOpd: string;
    granteeOpd: string;
    itemType: 'metric' | 'event_kind';
    itemCode: string;
    purpose: string;
    validUntil: number;
    reference: string | null;
  },
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO sharing_agreement (owner_opd, grantee_opd, item_type, item_code, purpose, valid_until, reference)
     VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0), $7) RETURNING id`,
    [a.ownerOpd, a.granteeOpd, a.itemType, a.itemCode, a.purpose, a.validUntil, a.reference],
  );
  return rows[0]!.id;
}

export async function revokeAgreement(db: Db, id: number): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE sharing_agreement SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
  return (rowCount ?? 0) > 0;
}
