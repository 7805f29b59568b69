import type { RouteSpec } from '../define-route';
import { accountRoutes } from './account';
import { adminRoutes } from './admin';
import { adminGroupRoutes } from './admin-groups';
import { authRoutes } from './auth';
import { conversationRoutes } from './conversation';
import { groupRoutes } from './groups';
import { homeRoutes } from './home';
import { moderationRoutes } from './moderation';
import { reportRoutes } from './reports';
import { sanctionRoutes } from './sanctions';
import { appealRoutes } from './appeals';
import { handbookRoutes } from './handbook';
import { insightRoutes } from './insights';
import { messageRoutes } from './messages';
import { privacyRoutes } from './privacy';
import { coverageRoutes } from './coverage';
import { orgVoiceRoutes } from './org-voice';
import { triageRoutes } from './triage';
import { topicRoutes } from './topics';
import { announcementRoutes } from './announcements';

/** Every HTTP route of Harbour. The app mounts exactly these; the security suite checks each. */
export const allRoutes: RouteSpec[] = [
  ...homeRoutes,
  ...authRoutes,
  ...accountRoutes,
  ...adminRoutes,
  ...adminGroupRoutes,
  ...groupRoutes,
  ...conversationRoutes,
  ...moderationRoutes,
  ...reportRoutes,
  ...sanctionRoutes,
  ...appealRoutes,
  ...handbookRoutes,
  ...insightRoutes,
  ...privacyRoutes,
  ...messageRoutes,
  ...coverageRoutes,
  ...orgVoiceRoutes,
  ...triageRoutes,
  ...topicRoutes,
  ...announcementRoutes,
];
