/**
 * The admin page's users and ingest keys (issue 17): request bodies the routes validate with and the answers
 * they send. The same rules as the admin CLI (`user …`, `key …`): the server re-checks everything; these
 * schemas only give the form the first, field-named refusal.
 */
import { z } from 'zod';

/** `wilayah`: a camat (one kecamatan) or lurah/kades (one kelurahan/desa), with its region code. */
export const ACCOUNT_ROLES = ['admin', 'operator', 'agency', 'wilayah'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];
export const INGEST_KEY_SCOPES = ['points', 'events'] as const;

/** What the server stores lower-case; the database CHECK holds the same alphabet. */
const username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'a username is 2–64 characters: a–z, 0–9, dot, dash, underscore, starting with a letter or digit');
const opdCode = z
  .string()
  .trim()
  .regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'an OPD code is 2–32 capital letters, digits or underscores, starting with a letter');
/** A kecamatan (`33.74.01`) or kelurahan/desa (`33.74.01.1001`) Kemendagri code; the server checks it exists. */
const regionCode = z
  .string()
  .trim()
  .regex(/^\d{2}\.\d{2}\.\d{2}(\.\d{4})?$/, 'a region is a kecamatan (33.74.01) or kelurahan/desa (33.74.01.1001) code');
// the strength rules (length, not the username, not a common password) live in server/auth/password.ts
const password = z.string().min(1, 'a password is required').max(1024);

/** Role `agency`, and only it, has an OPD (the server checks the same, and that the OPD exists). */
const agencyHasOpd = { path: ['opd'], message: 'an agency user needs an OPD, and only an agency user has one' };
/** Role `wilayah`, and only it, has a region (the server checks the region is a current kecamatan or kelurahan). */
const wilayahHasRegion = { path: ['region'], message: 'a wilayah user (camat, lurah/kades) needs a region, and only a wilayah user has one' };
const roleFields = { role: z.enum(ACCOUNT_ROLES), opd: opdCode.nullish(), region: regionCode.nullish() };

export const userCreateSchema = z
  .object({ username, password, ...roleFields })
  .refine((v) => (v.role === 'agency') === Boolean(v.opd), agencyHasOpd)
  .refine((v) => (v.role === 'wilayah') === Boolean(v.region), wilayahHasRegion);
export const userRoleSchema = z
  .object(roleFields)
  .refine((v) => (v.role === 'agency') === Boolean(v.opd), agencyHasOpd)
  .refine((v) => (v.role === 'wilayah') === Boolean(v.region), wilayahHasRegion);
export const userPasswordSchema = z.object({ password });
export const userStatusSchema = z.object({ disabled: z.boolean() });
export const usernameParamSchema = z.object({ username });

export const keyCreateSchema = z.object({
  opd: opdCode,
  label: z.string().trim().max(200).nullish(),
  scopes: z
    .array(z.enum(INGEST_KEY_SCOPES))
    .min(1)
    .default([...INGEST_KEY_SCOPES])
    .transform((s) => [...new Set(s)]),
});
export const keyListQuerySchema = z.object({ opd: opdCode.optional() });
export const keyIdParamSchema = z.object({ id: z.coerce.number().int().min(1).max(2_147_483_647) });

const iso = z.string().describe('ISO 8601 date-time with offset');

export const adminUserSchema = z.object({
  username: z.string(),
  role: z.enum(ACCOUNT_ROLES),
  opd: z.string().nullable(),
  region: z.string().nullable().describe('the kecamatan or kelurahan/desa of a wilayah user; null for the other roles'),
  totpEnabled: z.boolean(),
  status: z.enum(['active', 'disabled', 'locked', 'demo_password']).describe('demo_password: active, but still the public demo password'),
  disabledAt: iso.nullable(),
  createdAt: iso,
});
export const adminUsersResponse = z.object({ users: z.array(adminUserSchema) });
/** A change that ended the user's sessions (and so their live subscriptions) says how many. */
export const userChangedResponse = z.object({ user: adminUserSchema, sessionsEnded: z.number().int() });

export const ingestKeySchema = z.object({
  id: z.number().int(),
  opd: z.string(),
  prefix: z.string().describe('the first characters of the key, to recognise it by; the secret is never shown again'),
  label: z.string().nullable(),
  scopes: z.array(z.enum(INGEST_KEY_SCOPES)),
  createdAt: iso,
  revokedAt: iso.nullable(),
  state: z.enum(['active', 'retiring', 'revoked']),
  rotatedFrom: z.number().int().nullable(),
});
export const ingestKeysResponse = z.object({ keys: z.array(ingestKeySchema) });
export const ingestKeyCreatedResponse = z.object({
  key: ingestKeySchema,
  secret: z.string().describe('the key itself: shown in this answer only, stored hashed'),
});
