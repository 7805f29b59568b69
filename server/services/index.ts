import type { Deps } from '../deps';
import { createAccountService } from './accounts';
import { createMyGroupsService } from './my-groups';
import { createAuditService } from './audit';
import { createConsentService } from './consent';
import { createGroupService } from './groups';
import { createInvitationService } from './invitations';
import { createJoinRequestService } from './join-requests';
import { createMembershipService } from './memberships';
import { createNotificationService } from './notifications';
import { createPostService } from './posts';
import { createReviewService } from './reviews';
import { createModerationService } from './moderation';
import { createReportService } from './reports';
import { createSanctionService } from './sanctions';
import { createHandbookService } from './handbook';
import { createAppealService } from './appeals';
import { createAuditBrowseService } from './audit-browse';
import { createJournalService } from './journal';
import { createInsightsService } from './insights';
import { createDataExportService } from './data-export';
import { createErasureService } from './erasure';
import { createNotificationSettingsService } from './notification-delivery';
import { createPrivateMessageService } from './private-messages';
import { createRotaService } from './rota';
import { createOrgVoiceService } from './org-voice';
import { createTriageService } from './triage';
import { createTopicService } from './topics';
import { createBannerService } from './banners';
import { createPinService } from './pins';
import { createPostNoteService } from './post-notes';
import { createAnnouncementService } from './announcements';

/**
 * The domain layer: every behaviour lives once here, as `verbNoun(actor, input)` functions,
 * called by both HTTP routes and socket handlers. Each service module exports
 * `createXService(deps)`; add it below.
 */
export function createServices(deps: Deps) {
  const moderation = createModerationService(deps);
  return {
    deps,
    accounts: createAccountService(deps),
    myGroups: createMyGroupsService(deps),
    groups: createGroupService(deps),
    invitations: createInvitationService(deps),
    joinRequests: createJoinRequestService(deps),
    memberships: createMembershipService(deps),
    consent: createConsentService(deps),
    audit: createAuditService(deps),
    posts: createPostService(deps),
    reviews: createReviewService(deps),
    notifications: createNotificationService(deps),
    moderation,
    reports: createReportService(deps),
    sanctions: createSanctionService(deps),
    rota: createRotaService(deps),
    orgVoice: createOrgVoiceService(deps),
    triage: createTriageService(deps),
    topics: createTopicService(deps),
    handbook: createHandbookService(deps),
    appeals: createAppealService(deps, moderation),
    auditLog: createAuditBrowseService(deps),
    journal: createJournalService(deps),
    insights: createInsightsService(deps),
    notificationSettings: createNotificationSettingsService(deps),
    dataExport: createDataExportService(deps),
    erasure: createErasureService(deps),
    privateMessages: createPrivateMessageService(deps),
    banners: createBannerService(deps),
    pins: createPinService(deps),
    postNotes: createPostNoteService(deps),
    announcements: createAnnouncementService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
