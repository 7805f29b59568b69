import type { z } from 'zod';
import type { Actor } from '../context';
import type { RateLimitName } from '../http/define-route';
import type { Services } from '../services';

/**
 * Every client → server socket event is declared here and listed in `handlers/index.ts`. The
 * dispatcher validates the payload with `schema`, rebuilds the actor and re-checks the session on
 * every event, applies the rate limit, calls `handle`, and acknowledges
 * `{ ok: true, data }` or `{ ok: false, error: { code, message } }`.
 */
export interface SocketHandlerInput<T> {
  actor: Actor;
  input: T;
  services: Services;
  /** Make this socket join or leave rooms the services decided it may see. */
  rooms: { join(room: string): void; leave(room: string): void };
  /**
   * Acknowledge success now, with this data, while the handler finishes what need not hold up
   * the caller (a submit is answered once the post is stored; the moderators' notices follow).
   * A later failure is then logged, not sent.
   */
  acknowledge(data: unknown): void;
}

export interface SocketHandlerSpec<S extends z.ZodType = z.ZodType> {
  event: string;
  schema: S;
  rateLimit?: RateLimitName;
  handle(input: SocketHandlerInput<z.infer<S>>): Promise<unknown>;
}

export function defineHandler<S extends z.ZodType>(spec: SocketHandlerSpec<S>): SocketHandlerSpec {
  return spec as unknown as SocketHandlerSpec;
}

export type Ack =
  | { ok: true; data: unknown }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };
