import type { GroupFixture, People, Role } from './helpers/roles';
import { READERS_A, ROLES, SIGNED_IN } from './helpers/roles';

/**
 * THE expectation table of the access matrices: one row per HTTP route and per socket event.
 * A route or event in the registries without a row here fails the suite (add the row when you
 * add the route). `allow` lists who may use it against group A; everyone else must be refused:
 * anyone who may not see inside A gets exactly what a missing group gets (404), people inside A
 * without the right role get 403 or 404, visitors on signed-in routes are sent to sign in.
 *
 * `params`/`body`/`query` build a VALID request from a group's fixture (ids of that group), so a
 * refusal is the access rule working, not a validation error.
 */
export interface RouteRow {
  allow: readonly Role[];
  params?: (g: GroupFixture) => Record<string, string>;
  query?: (g: GroupFixture) => Record<string, string>;
  body?: (g: GroupFixture, people: People) => Record<string, unknown>;
  /** Statuses that mean "served" for an allowed role (default: 200, 303 not to /login, 409, 422). */
  ok?: readonly number[];
  /** How refusing someone who may see the thing may look (default 403 or 404). */
  refused?: readonly number[];
  /** The allowed request ends the agent's session: use a throwaway session for it. */
  endsSession?: true;
}

export interface EventRow {
  allow: readonly Role[];
  payload: (g: GroupFixture) => unknown;
}

const MODERATOR: Role[] = ['moderator'];
const ADVOCATE: Role[] = ['advocate'];
const ADMIN: Role[] = ['admin'];
const AUTHOR: Role[] = ['member']; // `member` wrote A's pending and rejected posts
const POSTERS: Role[] = ['member', 'advocate', 'moderator'];
const slug = (g: GroupFixture) => ({ slug: g.group.slug });
const pending = (g: GroupFixture) => ({ slug: g.group.slug, postId: g.pendingPostId });
const approved = (g: GroupFixture) => ({ slug: g.group.slug, postId: g.approvedPostId });
const groupId = (g: GroupFixture) => ({ id: String(g.group._id) });
const target = (g: GroupFixture) => ({ slug: g.group.slug, userId: g.targetUserId });
/** Readers of A other than the approved post's author (nobody reports their own post). */
const NOT_AUTHOR: Role[] = ['advocate', 'moderator', 'muted'];
/** A well-formed id of nothing. */
const MISSING_ID = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const text = 'A kind and ordinary message for the group.';

export const routeTable: Record<string, RouteRow> = {
  // Public pages and sign-in: anyone may use them; what they show is checked for leaks.
  'get /': { allow: ROLES },
  'get /login': { allow: ROLES },
  'post /login': {
    allow: ROLES,
    body: () => ({ email: 'nobody@example.test', password: 'not the password at all' }),
    ok: [200, 303, 401, 422],
    endsSession: true,
  },
  'get /login/code': { allow: SIGNED_IN, ok: [200, 303] },
  'post /login/code': {
    allow: SIGNED_IN,
    body: () => ({ code: '000000' }),
    ok: [303, 401, 422],
    endsSession: true,
  },
  'post /logout': { allow: SIGNED_IN, endsSession: true },
  // Password reset: anyone may ask (the answer is the same for every address); only a valid
  // link opens the form, and a made-up one reads like a spent one.
  'get /login/forgot': { allow: ROLES },
  'post /login/forgot': { allow: ROLES, body: () => ({ email: 'nobody@example.test' }) },
  'get /reset/:token': { allow: ROLES, params: () => ({ token: 'x'.repeat(43) }), ok: [404] },
  'post /reset/:token': {
    allow: ROLES,
    params: () => ({ token: 'x'.repeat(43) }),
    body: () => ({ password: 'a brand new long passphrase' }),
    ok: [404],
  },
  // Only a valid first-run token opens setup; none exists once an administrator does.
  'get /setup/:token': { allow: ROLES, params: () => ({ token: 'x'.repeat(43) }), ok: [404] },
  'post /setup/:token': {
    allow: ROLES,
    params: () => ({ token: 'x'.repeat(43) }),
    ok: [404, 422],
  },

  'get /account': { allow: SIGNED_IN },
  'post /account/name': { allow: SIGNED_IN, body: () => ({ displayName: 'Renamed person' }) },
  'post /account/password': {
    allow: SIGNED_IN,
    body: () => ({ currentPassword: 'wrong wrong wrong', newPassword: 'another long passphrase' }),
  },
  'post /account/sign-out-everywhere': { allow: SIGNED_IN, endsSession: true },
  'get /account/two-factor': { allow: SIGNED_IN },
  'post /account/two-factor': { allow: SIGNED_IN, body: () => ({ code: '000000' }) },
  // Staff and administrators must keep their second factor.
  'post /account/two-factor/disable': {
    allow: ['nonMember', 'otherMember', 'member', 'muted', 'suspended', 'removed'],
    body: () => ({ password: 'wrong' }),
    refused: [403],
  },

  'get /admin': { allow: ADMIN },
  'get /admin/outbox': { allow: ADMIN },
  'get /admin/groups': { allow: ADMIN },
  'get /admin/groups/new': { allow: ADMIN },
  'post /admin/groups': { allow: ADMIN, body: () => ({ name: 'New group', slug: 'new-group' }) },
  'get /admin/groups/:id/edit': { allow: ADMIN, params: groupId },
  'post /admin/groups/:id': { allow: ADMIN, params: groupId, body: () => ({ name: 'Renamed' }) },
  'get /admin/groups/:id/roles': { allow: ADMIN, params: groupId },
  'post /admin/groups/:id/roles': {
    allow: ADMIN,
    params: groupId,
    body: (_g, p) => ({ userId: String(p.users.target._id), roles: ['member'] }),
  },
  'post /admin/groups/:id/accounts': { allow: ADMIN, params: groupId, body: () => ({}) },
  'get /admin/audit': { allow: ADMIN },
  'get /admin/documents': { allow: ADMIN },
  'post /admin/documents': {
    allow: ADMIN,
    body: () => ({ kind: 'terms', title: 'Terms', body: 'The terms.', changeSummary: 'First' }),
  },

  // Group A is secret (hidden): it has no public page at all, not even for its members.
  'get /g/:slug': { allow: [], params: slug },
  'post /g/:slug': {
    allow: [],
    params: slug,
    body: () => ({ email: 'visitor@example.test', confirmAge: 'on' }),
  },
  'get /invitations/:token': {
    allow: ROLES,
    params: (g) => ({ token: g.invitationToken }),
    ok: [200, 303],
  },
  'post /invitations/:token': {
    allow: ROLES,
    params: (g) => ({ token: g.invitationToken }),
    body: () => ({}),
    ok: [303, 422],
  },
  // A newcomer's confirmation link (from the e-mail): only a real one opens anything.
  'get /invitations/confirm/:token': {
    allow: ROLES,
    params: () => ({ token: 'x'.repeat(43) }),
    ok: [404],
  },
  'post /invitations/confirm/:token': {
    allow: ROLES,
    params: () => ({ token: 'x'.repeat(43) }),
    ok: [404],
  },
  'get /g/:slug/members': { allow: READERS_A, params: slug },
  'post /g/:slug/members/remove': {
    allow: [...ADVOCATE, ...MODERATOR],
    params: slug,
    body: (_g, p) => ({ userId: String(p.users.target._id), reason: 'Repeated abuse' }),
  },
  'get /g/:slug/leave': { allow: READERS_A, params: slug },
  // A suspended member may still leave (a sanction must not trap anyone in a group).
  'post /g/:slug/leave': { allow: [...READERS_A, 'suspended'], params: slug },
  'get /g/:slug/accept': { allow: READERS_A, params: slug },
  'post /g/:slug/accept': { allow: READERS_A, params: slug, body: () => ({ accept: [] }) },
  'get /g/:slug/invitations': { allow: ADVOCATE, params: slug },
  'post /g/:slug/invitations': {
    allow: ADVOCATE,
    params: slug,
    body: () => ({ kind: 'link', maxUses: '1', days: '7', email: '' }),
    ok: [201],
  },
  'post /g/:slug/invitations/:id/revoke': {
    allow: ADVOCATE,
    params: (g) => ({ slug: g.group.slug, id: g.invitationId }),
  },
  'get /g/:slug/requests': { allow: ADVOCATE, params: slug },
  'post /g/:slug/requests/:id/approve': {
    allow: ADVOCATE,
    params: (g) => ({ slug: g.group.slug, id: g.joinRequestId }),
  },
  'post /g/:slug/requests/:id/decline': {
    allow: ADVOCATE,
    params: (g) => ({ slug: g.group.slug, id: g.joinRequestId }),
    body: () => ({ message: 'Not this time' }),
  },
  // Group documents (rules, disclaimer) are the moderators' to publish.
  'get /g/:slug/documents': { allow: MODERATOR, params: slug },
  'post /g/:slug/documents': {
    allow: MODERATOR,
    params: slug,
    body: () => ({ kind: 'disclaimer', disclaimer: 'See your doctor.', changeSummary: 'x' }),
  },

  'get /g/:slug/conversation': { allow: READERS_A, params: slug },
  'post /g/:slug/conversation': {
    allow: POSTERS,
    params: slug,
    body: () => ({ body: text, idempotencyKey: `k-${Date.now()}-abcdef` }),
  },
  // Anyone else's post id (or a missing one) leads back to the conversation, revealing nothing.
  'get /g/:slug/posts/:postId/edit': { allow: AUTHOR, params: pending, refused: [303] },
  'post /g/:slug/posts/:postId/edit': {
    allow: AUTHOR,
    params: pending,
    body: () => ({ body: `${text} (edited)`, version: '1' }),
  },
  'post /g/:slug/posts/:postId/withdraw': {
    allow: AUTHOR,
    params: pending,
    body: () => ({ version: '1' }),
  },
  'post /g/:slug/posts/:postId/react': {
    allow: POSTERS,
    params: approved,
    body: () => ({ kind: 'heart' }),
  },
  'get /api/groups/:slug/posts': { allow: READERS_A, params: slug },
  'get /api/groups/:slug/posts/since': {
    allow: READERS_A,
    params: slug,
    query: () => ({ after: '0' }),
  },
  'get /api/unread': { allow: SIGNED_IN },
  'get /api/screening-rules': { allow: SIGNED_IN },
  'get /notifications': { allow: SIGNED_IN },
  'post /notifications/read': { allow: SIGNED_IN },

  'get /g/:slug/queue': { allow: MODERATOR, params: slug },
  'get /g/:slug/queue/items': { allow: MODERATOR, params: slug },
  'get /api/groups/:slug/queue': { allow: MODERATOR, params: slug },
  'post /g/:slug/queue/:postId/approve': {
    allow: MODERATOR,
    params: pending,
    body: () => ({ version: '1' }),
  },
  'post /g/:slug/queue/:postId/edit-approve': {
    allow: MODERATOR,
    params: pending,
    body: () => ({ version: '1', body: `${text} (tidied)` }),
  },
  'post /g/:slug/queue/:postId/reject': {
    allow: MODERATOR,
    params: pending,
    body: () => ({ version: '1', ruleId: 'r-kind', note: 'Please rephrase' }),
  },
  'post /g/:slug/queue/:postId/claim': { allow: MODERATOR, params: pending },
  'post /g/:slug/queue/:postId/release': { allow: MODERATOR, params: pending },
  'post /g/:slug/queue/:postId/undo': {
    allow: MODERATOR,
    params: approved,
    body: () => ({ version: '2' }),
  },
  'post /g/:slug/queue/approve-many': {
    allow: MODERATOR,
    params: slug,
    body: (g) => ({ items: [`${g.pendingPostId}:1`] }),
  },
  // Moderation (issue 7): reports, hide/restore, sanctions, decisions and appeals, audit,
  // handbook, journal and insights. Objects that the fixture does not make (appeals, handbook
  // replies, decisions) use a well-formed missing id: the allowed role reaches the service and
  // hears "not found" for the object, everyone else is refused before that.
  // `member` wrote the post: nobody reports their own post (the page is not there for them).
  'get /g/:slug/posts/:postId/report': {
    allow: NOT_AUTHOR,
    params: approved,
    refused: [404],
  },
  'post /g/:slug/posts/:postId/report': {
    allow: NOT_AUTHOR,
    params: approved,
    body: () => ({ ruleId: 'r-kind', note: 'Please look' }),
    ok: [200, 201, 303, 409, 422],
  },
  'post /api/posts/:postId/report': {
    allow: NOT_AUTHOR,
    params: approved,
    body: () => ({ ruleId: 'r-kind' }),
    ok: [200, 201, 409, 422],
  },
  'get /g/:slug/reports': { allow: MODERATOR, params: slug },
  'get /g/:slug/reports/items': { allow: MODERATOR, params: slug },
  'get /api/groups/:slug/reports': { allow: MODERATOR, params: slug },
  'post /g/:slug/reports/:postId/dismiss': {
    allow: MODERATOR,
    params: approved,
    ok: [303, 404, 409, 422],
  },
  'get /g/:slug/posts/:postId/moderate': { allow: MODERATOR, params: approved },
  'post /g/:slug/posts/:postId/hide': {
    allow: MODERATOR,
    params: approved,
    body: () => ({ ruleId: 'r-kind', version: '2' }),
  },
  'post /g/:slug/posts/:postId/restore': { allow: MODERATOR, params: approved },
  'post /api/posts/:postId/hide': {
    allow: MODERATOR,
    params: approved,
    body: () => ({ ruleId: 'r-kind', version: 2 }),
  },
  'post /api/posts/:postId/restore': { allow: MODERATOR, params: approved },
  'get /g/:slug/sanctions': { allow: MODERATOR, params: slug },
  'get /g/:slug/sanctions/:userId': { allow: MODERATOR, params: target },
  'post /g/:slug/sanctions/:userId': {
    allow: MODERATOR,
    params: target,
    body: () => ({ kind: 'mute', days: '1', reason: 'Cooling off', ruleId: 'r-kind' }),
  },
  'post /g/:slug/sanctions/:userId/lift': {
    allow: MODERATOR,
    params: target,
    ok: [303, 404, 409, 422],
  },
  'post /g/:slug/sanctions/:userId/remove': {
    allow: MODERATOR,
    params: target,
    body: () => ({ reason: 'Repeated abuse', ruleId: 'r-kind' }),
  },
  'post /api/groups/:slug/sanctions': {
    allow: MODERATOR,
    params: slug,
    body: (_g, p) => ({
      userId: String(p.users.target._id),
      kind: 'mute',
      duration: '24h',
      ruleId: 'r-kind',
    }),
    ok: [200, 201, 409, 422],
  },
  'get /me/decisions': { allow: SIGNED_IN },
  'get /api/me/decisions': { allow: SIGNED_IN },
  'post /me/decisions/:decisionId/appeal': {
    allow: SIGNED_IN,
    params: () => ({ decisionId: MISSING_ID }),
    ok: [303, 404, 422],
  },
  'post /api/me/decisions/:decisionId/appeal': {
    allow: SIGNED_IN,
    params: () => ({ decisionId: MISSING_ID }),
    ok: [404, 422],
  },
  'get /g/:slug/appeals': { allow: MODERATOR, params: slug },
  'post /g/:slug/appeals/:appealId': {
    allow: MODERATOR,
    params: (g) => ({ slug: g.group.slug, appealId: MISSING_ID }),
    ok: [303, 404, 422],
  },
  // Administrators oversee every group's trail and figures (ids and counts only).
  'get /g/:slug/audit': { allow: [...MODERATOR, 'admin'], params: slug },
  'get /admin/audit/browse': { allow: ADMIN },
  // The audit API answers only for groups the caller moderates (or everything for admins).
  'get /api/audit': { allow: SIGNED_IN, ok: [200, 404] },
  'get /g/:slug/handbook': { allow: MODERATOR, params: slug },
  'post /g/:slug/handbook/plan': { allow: MODERATOR, params: slug },
  'post /g/:slug/handbook/rules': { allow: MODERATOR, params: slug },
  'post /g/:slug/handbook/replies': { allow: MODERATOR, params: slug },
  'post /g/:slug/handbook/replies/:replyId/delete': {
    allow: MODERATOR,
    params: (g) => ({ slug: g.group.slug, replyId: MISSING_ID }),
    ok: [303, 404, 422],
  },
  'post /g/:slug/handbook/privacy': { allow: MODERATOR, params: slug },
  'get /api/groups/:slug/note-tools': { allow: MODERATOR, params: slug },
  'get /vendor/chart.umd.js': { allow: ROLES },
  'get /g/:slug/journal': { allow: MODERATOR, params: slug },
  'get /g/:slug/journal.csv': { allow: MODERATOR, params: slug },
  'post /g/:slug/journal/notes': {
    allow: MODERATOR,
    params: slug,
    body: () => ({ note: 'A note' }),
  },
  'get /g/:slug/insights': { allow: [...MODERATOR, 'admin'], params: slug },
  'get /admin/insights': { allow: ADMIN },
  'get /api/groups/:slug/insights': { allow: [...MODERATOR, 'admin'], params: slug },

  // Privacy (issue 8): notification settings, data export, deletion, private messages.
  'get /me/notifications/settings': { allow: SIGNED_IN },
  'post /me/notifications/settings': { allow: SIGNED_IN },
  'get /me/data': { allow: SIGNED_IN },
  'post /me/data/export': { allow: SIGNED_IN, ok: [200, 202, 303, 409, 422] },
  'get /me/data/export/:id/:format': {
    allow: SIGNED_IN,
    params: () => ({ id: MISSING_ID, format: 'json' }),
    ok: [404],
  },
  // With a wrong password: the account stays (the matrix must not delete its own people).
  'post /me/delete': {
    allow: SIGNED_IN,
    body: () => ({ password: 'not the password' }),
    endsSession: true,
  },
  'get /admin/accounts': { allow: ADMIN },
  'post /admin/accounts/erase': { allow: ADMIN },
  'post /admin/accounts/memorial': { allow: ADMIN },
  'post /admin/retention/run': { allow: ADMIN },
  'get /me/messages': { allow: SIGNED_IN },
  'post /me/messages': { allow: SIGNED_IN },
  'get /me/messages/:id': { allow: SIGNED_IN, params: () => ({ id: MISSING_ID }), ok: [404] },
  'post /me/messages/:id/send': {
    allow: SIGNED_IN,
    params: () => ({ id: MISSING_ID }),
    ok: [404, 422],
  },
  'post /me/messages/:id/respond': {
    allow: SIGNED_IN,
    params: () => ({ id: MISSING_ID }),
    ok: [404, 422],
  },
  'post /me/messages/:id/block': {
    allow: SIGNED_IN,
    params: () => ({ id: MISSING_ID }),
    ok: [404, 422],
  },
  'post /me/messages/:id/report': {
    allow: SIGNED_IN,
    params: () => ({ id: MISSING_ID }),
    ok: [404, 422],
  },
  'get /g/:slug/messages/reported': { allow: MODERATOR, params: slug },
  'get /g/:slug/messages/reported/:id': {
    allow: MODERATOR,
    params: (g) => ({ slug: g.group.slug, id: MISSING_ID }),
    ok: [404],
  },
  'post /g/:slug/messages/settings': {
    allow: MODERATOR,
    params: slug,
    body: () => ({ enabled: 'off' }),
  },

  // Round-the-clock coverage and the organisation's voice (issue 14).
  'get /g/:slug/rota': { allow: MODERATOR, params: slug },
  'get /api/groups/:slug/coverage': { allow: MODERATOR, params: slug },
  'post /g/:slug/rota': {
    allow: MODERATOR,
    params: slug,
    body: () => ({ weekday: '6', start: '10:00', end: '12:00' }),
  },
  ...Object.fromEntries(
    ['take', 'handover', 'swap', 'release', 'remove'].map((action) => [
      `post /g/:slug/rota/:slotId/${action}`,
      {
        allow: MODERATOR,
        params: (g: GroupFixture) => ({ slug: g.group.slug, slotId: MISSING_ID }),
        body: () => ({ toUserId: MISSING_ID, withSlotId: MISSING_ID }),
        // A slot id of nothing: the moderator is told it is not there.
        ok: [303, 404, 422],
      } satisfies RouteRow,
    ]),
  ),
  // Only accounts marked as staff speak for the organisation; the fixture has none.
  'get /g/:slug/organisation-reply': { allow: [], params: slug },
  'post /g/:slug/organisation-reply': {
    allow: [],
    params: slug,
    body: () => ({ body: text, idempotencyKey: 'org-reply-key-1' }),
  },
  'post /g/:slug/queue/:postId/approve-with-reply': {
    allow: MODERATOR,
    params: pending,
    body: () => ({ version: '1' }),
  },
  'post /g/:slug/queue/:postId/escalate-threat': { allow: MODERATOR, params: pending },
  'post /g/:slug/queue/:postId/flag-complaint': {
    allow: MODERATOR,
    params: pending,
    body: () => ({ note: 'May become a complaint.' }),
  },
  'get /g/:slug/complaints': { allow: MODERATOR, params: slug },
  'post /g/:slug/complaints/:flagId': {
    allow: MODERATOR,
    params: (g) => ({ slug: g.group.slug, flagId: MISSING_ID }),
    body: () => ({ status: 'closed', note: '' }),
    ok: [303, 404, 422],
  },
  'get /admin/staff': { allow: ADMIN },
  'post /admin/staff': {
    allow: ADMIN,
    body: (_g, people) => ({ userId: String(people.users.target._id), isStaff: 'false' }),
  },
  'get /admin/threats': { allow: ADMIN },
  'get /admin/threats/:caseId': {
    allow: ADMIN,
    params: () => ({ caseId: MISSING_ID }),
    ok: [404],
  },
  'post /admin/threats/:caseId/contact': {
    allow: ADMIN,
    params: () => ({ caseId: MISSING_ID }),
    body: () => ({ agency: 'Gardaí', reference: 'PULSE-1', at: '2026-03-02T10:00' }),
    ok: [303, 404, 422],
  },

  // Conversation topics (issue 14, item 8): the group's moderators edit the list and change a
  // post's topic; members choose one in the composer and filter (rows above, unchanged).
  'get /g/:slug/topics': { allow: MODERATOR, params: slug },
  'post /g/:slug/topics': {
    allow: MODERATOR,
    params: slug,
    body: () => ({ name: `Topic ${Date.now() % 100000}` }),
  },
  ...Object.fromEntries(
    ['rename', 'move', 'retire', 'restore'].map((action) => [
      `post /g/:slug/topics/:topicId/${action}`,
      {
        allow: MODERATOR,
        params: (g: GroupFixture) => ({ slug: g.group.slug, topicId: 'off-topic' }),
        body: () => ({ name: 'Anything else', direction: 'up' }),
      } satisfies RouteRow,
    ]),
  ),
  'post /g/:slug/queue/:postId/topic': {
    allow: MODERATOR,
    params: pending,
    body: () => ({ topic: 'celebrations' }),
  },
  'post /g/:slug/posts/:postId/topic': {
    allow: MODERATOR,
    params: approved,
    body: () => ({ topic: 'celebrations' }),
  },
  'post /api/posts/:postId/topic': {
    allow: MODERATOR,
    params: approved,
    body: () => ({ topic: 'everyday-life' }),
  },
  // Announcements (issue 14): banners, pins, moderators' notes, the calendar, quiet warning.
  // Banner ids the fixture does not make use a well-formed missing id (404 for everyone).
  'get /admin/banners': { allow: ADMIN },
  'post /admin/banners': {
    allow: ADMIN,
    body: () => ({ kind: 'status', text: 'Maintenance tonight from 22:00.', startsAt: '' }),
  },
  'get /admin/banners/:bannerId/edit': {
    allow: ADMIN,
    params: () => ({ bannerId: MISSING_ID }),
    ok: [404],
  },
  'post /admin/banners/:bannerId': {
    allow: ADMIN,
    params: () => ({ bannerId: MISSING_ID }),
    body: () => ({ kind: 'info', text: 'Changed', revision: '1' }),
    ok: [404],
  },
  'post /admin/banners/:bannerId/end': {
    allow: ADMIN,
    params: () => ({ bannerId: MISSING_ID }),
    ok: [404],
  },
  'get /g/:slug/banners': { allow: MODERATOR, params: slug },
  'post /g/:slug/banners': {
    allow: MODERATOR,
    params: slug,
    body: () => ({ kind: 'crisis', text: 'The Thursday meeting is cancelled.', startsAt: '' }),
  },
  'get /g/:slug/banners/:bannerId/edit': {
    allow: MODERATOR,
    params: (g) => ({ slug: g.group.slug, bannerId: MISSING_ID }),
    ok: [404],
  },
  'post /g/:slug/banners/:bannerId': {
    allow: MODERATOR,
    params: (g) => ({ slug: g.group.slug, bannerId: MISSING_ID }),
    body: () => ({ kind: 'info', text: 'Changed', revision: '1' }),
    ok: [404],
  },
  'post /g/:slug/banners/:bannerId/end': {
    allow: MODERATOR,
    params: (g) => ({ slug: g.group.slug, bannerId: MISSING_ID }),
    ok: [404],
  },
  'post /banners/:bannerId/dismiss': {
    allow: SIGNED_IN,
    params: () => ({ bannerId: MISSING_ID }),
    body: () => ({ revision: '1', returnTo: '/' }),
    ok: [404],
  },
  'post /api/banners/:bannerId/dismiss': {
    allow: SIGNED_IN,
    params: () => ({ bannerId: MISSING_ID }),
    body: () => ({ revision: '1' }),
    ok: [404],
  },
  'post /g/:slug/posts/:postId/pin': { allow: MODERATOR, params: approved },
  'post /g/:slug/posts/:postId/unpin': { allow: MODERATOR, params: approved },
  'get /g/:slug/posts/:postId/note': { allow: MODERATOR, params: approved },
  'post /g/:slug/posts/:postId/note': {
    allow: MODERATOR,
    params: approved,
    body: () => ({ body: 'There is no good evidence for this.', url1: 'https://www.cancer.ie/' }),
  },
  'post /g/:slug/posts/:postId/note/remove': { allow: MODERATOR, params: approved },
  'get /g/:slug/calendar': { allow: MODERATOR, params: slug },
  'post /g/:slug/calendar': {
    allow: MODERATOR,
    params: slug,
    body: () => ({
      body: text,
      publishAt: '2026-04-01T10:00',
      idempotencyKey: `cal-${Date.now()}-abcdef`,
    }),
  },
  // A scheduled announcement the fixture does not make: the moderator hears "not found".
  'get /g/:slug/calendar/:postId/edit': {
    allow: MODERATOR,
    params: (g) => ({ slug: g.group.slug, postId: MISSING_ID }),
    ok: [404],
  },
  'post /g/:slug/calendar/:postId': {
    allow: MODERATOR,
    params: (g) => ({ slug: g.group.slug, postId: MISSING_ID }),
    body: () => ({ body: text, publishAt: '2026-04-01T10:00', version: '1' }),
    ok: [404],
  },
  'post /g/:slug/calendar/:postId/cancel': {
    allow: MODERATOR,
    params: (g) => ({ slug: g.group.slug, postId: MISSING_ID }),
    ok: [404],
  },
  'post /g/:slug/quiet-warning': { allow: MODERATOR, params: slug, body: () => ({ days: '10' }) },
};

const gid = (g: GroupFixture) => String(g.group._id);

export const eventTable: Record<string, EventRow> = {
  'post:submit': {
    allow: POSTERS,
    payload: (g) => ({ group: gid(g), body: text, idempotencyKey: `k-${Date.now()}-abcdef` }),
  },
  'post:edit': {
    allow: AUTHOR,
    payload: (g) => ({ postId: g.pendingPostId, body: text, version: 1 }),
  },
  'post:resubmit': {
    allow: AUTHOR,
    payload: (g) => ({ postId: g.rejectedPostId, body: text, version: 2 }),
  },
  'post:withdraw': { allow: AUTHOR, payload: (g) => ({ postId: g.pendingPostId, version: 1 }) },
  'post:react': { allow: POSTERS, payload: (g) => ({ postId: g.approvedPostId, kind: 'hug' }) },
  'posts:catch_up': { allow: READERS_A, payload: (g) => ({ groupId: gid(g), afterSeq: 0 }) },
  'posts:mark_read': { allow: READERS_A, payload: (g) => ({ groupId: gid(g), seq: 1 }) },
  'review:queue': { allow: MODERATOR, payload: (g) => ({ group: gid(g) }) },
  'review:claim': { allow: MODERATOR, payload: (g) => ({ postId: g.pendingPostId }) },
  'review:release': { allow: MODERATOR, payload: (g) => ({ postId: g.pendingPostId }) },
  'review:approve': { allow: MODERATOR, payload: (g) => ({ postId: g.pendingPostId, version: 1 }) },
  'review:edit_approve': {
    allow: MODERATOR,
    payload: (g) => ({ postId: g.pendingPostId, version: 1, body: text }),
  },
  'review:reject': {
    allow: MODERATOR,
    payload: (g) => ({ postId: g.pendingPostId, version: 1, ruleId: 'r-kind' }),
  },
  'review:undo': { allow: MODERATOR, payload: (g) => ({ postId: g.approvedPostId, version: 2 }) },
  'review:approve_many': {
    allow: MODERATOR,
    payload: (g) => ({ group: gid(g), items: [{ postId: g.pendingPostId, version: 1 }] }),
  },
  'notifications:mark_read': { allow: SIGNED_IN, payload: () => ({}) },
  'post:report': {
    allow: NOT_AUTHOR,
    payload: (g) => ({ postId: g.approvedPostId, ruleId: 'r-kind' }),
  },
  'post:hide': {
    allow: MODERATOR,
    payload: (g) => ({ postId: g.approvedPostId, version: 2, ruleId: 'r-kind' }),
  },
  'post:restore': {
    allow: MODERATOR,
    payload: (g) => ({ postId: g.approvedPostId, version: 3, ruleId: 'r-kind' }),
  },
  // A private message to someone: only where the group allows it; refused for strangers.
  'pm:send': { allow: SIGNED_IN, payload: (g) => ({ to: g.targetUserId, body: 'Hello there' }) },
};
