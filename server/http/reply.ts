/**
 * Answers a route sends as the REST contract (shared/rest.ts) names them: the body is checked against the
 * schema's type at compile time, so a route cannot drift from the document or the client without the type
 * check failing; tests/integration/rest-contract.test.ts checks the same at run time.
 */
import type { Response } from 'express';
import type { RestResponse, RestResponseName } from '../../shared/rest';

/** `T` with every array and object read-only: a route may answer with the readonly data its services keep. */
type Immutable<T> = T extends (infer U)[] ? readonly Immutable<U>[] : T extends object ? { readonly [K in keyof T]: Immutable<T[K]> } : T;

export function reply<N extends RestResponseName>(res: Response, _name: N, body: Immutable<RestResponse<N>>, status = 200): void {
  res.status(status).json(body);
}

/** `value`, checked at compile time to be the contract's `name` answer (for bodies rendered once and cached). */
export function answer<N extends RestResponseName>(_name: N, value: Immutable<RestResponse<N>>): Immutable<RestResponse<N>> {
  return value;
}
