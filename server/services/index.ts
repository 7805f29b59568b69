import type { Deps } from '../deps';

/**
 * The domain layer: every behaviour lives once here, as `verbNoun(actor, input)` functions,
 * called by both HTTP routes and socket handlers. Each service module exports
 * `createXService(deps)`; add it below.
 */
export function createServices(deps: Deps) {
  return {
    deps,
  };
}

export type Services = ReturnType<typeof createServices>;
