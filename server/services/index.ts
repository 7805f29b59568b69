import type { Deps } from '../deps';
import { createAccountService } from './accounts';
import { createMyGroupsService } from './my-groups';

/**
 * The domain layer: every behaviour lives once here, as `verbNoun(actor, input)` functions,
 * called by both HTTP routes and socket handlers. Each service module exports
 * `createXService(deps)`; add it below.
 */
export function createServices(deps: Deps) {
  return {
    deps,
    accounts: createAccountService(deps),
    myGroups: createMyGroupsService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
