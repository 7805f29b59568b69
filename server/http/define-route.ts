import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Actor, Caller } from '../context';
import type { Services } from '../services';

/**
 * Every HTTP route is declared through `defineRoute` and listed in `routes/index.ts`, so the app
 * mounts them uniformly (rate limit → session → CSRF → validation → handler) and the security
 * suite can enumerate them. `access` is required: forgetting authorization fails to compile.
 *
 * - 'public': anyone (public group page, login, invitation redemption).
 * - 'signed_in': signed in, second factor possibly still pending (only the second-factor and
 *   sign-out routes use this).
 * - 'user': a signed-in person who completed the second factor where required.
 * - 'admin': a signed-in site administrator.
 * Group-level permissions are decided by the services (404 for anything hidden).
 */
export type RouteAccess = 'public' | 'signed_in' | 'user' | 'admin';
export type RateLimitName =
  'login' | 'redeem' | 'join_request' | 'submit' | 'react' | 'report' | 'mail';

export interface RouteInput<P, Q, B> {
  caller: Caller;
  /**
   * Present for 'user' and 'admin' routes; on 'public' routes when the visitor is signed in; on
   * 'signed_in' routes with `secondFactorDone` possibly false.
   */
  actor: Actor | undefined;
  params: P;
  query: Q;
  body: B;
  services: Services;
  req: Request;
  res: Response;
}

export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  access: RouteAccess;
  /** 'page' errors render HTML (forms re-shown with messages); 'api' errors answer JSON. */
  kind: 'page' | 'api';
  rateLimit?: RateLimitName;
  params?: P;
  query?: Q;
  body?: B;
  handle(input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<void>;
}

export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}
