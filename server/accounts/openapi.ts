/**
 * The OpenAPI paths of the admin page's users and ingest keys (issue 17), kept beside their routes and spread
 * into server/openapi/document.ts. Bodies and parameters come from the zod schemas the routes validate with
 * (shared/accounts.ts); answers are named in shared/rest.ts.
 */
import type { z } from 'zod';
import { keyCreateSchema, userCreateSchema, userPasswordSchema, userRoleSchema, userStatusSchema } from '../../shared/accounts';

export const ACCOUNT_REQUEST_BODIES = {
  UserCreate: userCreateSchema,
  UserPassword: userPasswordSchema,
  UserRole: userRoleSchema,
  UserStatus: userStatusSchema,
  KeyCreate: keyCreateSchema,
} as const satisfies Record<string, z.ZodType>;

type Helpers = {
  ref: (name: string) => { $ref: string };
  ok: (description: string, schema?: Record<string, unknown>, status?: string) => Record<string, unknown>;
  err: (status: number, description: string) => Record<string, unknown>;
  body: (name: keyof typeof ACCOUNT_REQUEST_BODIES) => Record<string, unknown>;
  token: unknown;
};

const usernameParam = [{ name: 'username', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{1,63}$' } }];
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }];
const opdParam = [{ name: 'opd', in: 'query', required: false, description: 'only the keys of this OPD', schema: { type: 'string' } }];

export function accountPaths(h: Helpers): Record<string, unknown> {
  const guard = { ...h.err(401, 'sign in first'), ...h.err(403, 'admins only') };
  const userChange = (operationId: string, summary: string, description: string, bodyName: keyof typeof ACCOUNT_REQUEST_BODIES) => ({
    put: {
      tags: ['Admin'],
      operationId,
      summary,
      description,
      security: h.token,
      parameters: usernameParam,
      requestBody: h.body(bodyName),
      responses: {
        ...h.ok('the user as it is now, and how many of their sessions ended', h.ref('UserChanged')),
        ...h.err(400, 'invalid body; `details[].path` names the field'),
        ...guard,
        ...h.err(404, 'no such user'),
        ...h.err(409, 'nothing to change (already so), or not allowed in this state'),
      },
    },
  });
  return {
    '/api/v1/admin/users': {
      get: {
        tags: ['Admin'],
        operationId: 'adminUsers',
        summary: 'Every user: role, OPD, second factor, status (never a password hash)',
        security: h.token,
        responses: { ...h.ok('users', h.ref('AdminUsers')), ...guard },
      },
      post: {
        tags: ['Admin'],
        operationId: 'adminUserCreate',
        summary: 'Add a user (audited)',
        description:
          'Role `agency` needs an OPD, and only it has one. The password needs at least 10 characters, may not be the username, and may not start with `demo-`.',
        security: h.token,
        requestBody: h.body('UserCreate'),
        responses: {
          ...h.ok('the new user', h.ref('UserChanged'), '201'),
          ...h.err(400, 'invalid body or unknown OPD; `details[].path` names the field'),
          ...guard,
          ...h.err(409, 'the username is taken'),
        },
      },
    },
    '/api/v1/admin/users/{username}/password': userChange(
      'adminUserPassword',
      "Set a user's password (audited); ends the user's sessions and live subscriptions",
      'The new password follows the same rules as when a user is added.',
      'UserPassword',
    ),
    '/api/v1/admin/users/{username}/role': userChange(
      'adminUserRole',
      "Change a user's role or OPD (audited); ends the user's sessions and live subscriptions",
      'Sessions carry the role they were issued with: the user signs in again. Open live subscriptions end with `session:ended` (`role_changed`) at once in this process, within 5 s in the others.',
      'UserRole',
    ),
    '/api/v1/admin/users/{username}/status': userChange(
      'adminUserStatus',
      'Disable or enable a user (audited); disabling ends the sessions and live subscriptions',
      'A user with a demo password comes back only with a new password. An admin cannot disable their own account.',
      'UserStatus',
    ),
    '/api/v1/admin/keys': {
      get: {
        tags: ['Admin'],
        operationId: 'adminKeys',
        summary: 'Ingest keys (prefix, OPD, scopes, state; never the secret)',
        security: h.token,
        parameters: opdParam,
        responses: { ...h.ok('keys', h.ref('IngestKeys')), ...h.err(400, 'invalid OPD code'), ...guard },
      },
      post: {
        tags: ['Admin'],
        operationId: 'adminKeyCreate',
        summary: 'Issue an ingest key for one OPD (audited); the secret is in this answer only',
        security: h.token,
        requestBody: h.body('KeyCreate'),
        responses: {
          ...h.ok('the key and its secret', h.ref('IngestKeyCreated'), '201'),
          ...h.err(400, 'invalid body or unknown OPD; `details[].path` names the field'),
          ...guard,
        },
      },
    },
    '/api/v1/admin/keys/{id}': {
      delete: {
        tags: ['Admin'],
        operationId: 'adminKeyRevoke',
        summary: 'Revoke an ingest key now (audited); a rotated key in its grace period stops too',
        security: h.token,
        parameters: idParam,
        responses: {
          ...h.ok('the revoked key', h.ref('IngestKey')),
          ...h.err(400, 'invalid id'),
          ...guard,
          ...h.err(404, 'no working key with that id'),
        },
      },
    },
  };
}
