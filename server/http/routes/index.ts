import type { RouteSpec } from '../define-route';

/** Every HTTP route of Harbour. The app mounts exactly these; the security suite checks each. */
export const allRoutes: RouteSpec[] = [];
