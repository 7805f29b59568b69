import type { Deps } from '../deps';
import { createNotificationService } from './notifications';
import { createPostService } from './posts';
import { createReviewService } from './reviews';

/**
 * The domain layer: every behaviour lives once here, as `verbNoun(actor, input)` functions,
 * called by both HTTP routes and socket handlers. Each service module exports
 * `createXService(deps)`; add it below.
 */
export function createServices(deps: Deps) {
  return {
    deps,
    posts: createPostService(deps),
    reviews: createReviewService(deps),
    notifications: createNotificationService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
