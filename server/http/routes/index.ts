import type { RouteSpec } from '../define-route';
import { conversationRoutes } from './conversation';
import { moderationRoutes } from './moderation';

/** Every HTTP route of Harbour. The app mounts exactly these; the security suite checks each. */
export const allRoutes: RouteSpec[] = [...conversationRoutes, ...moderationRoutes];
