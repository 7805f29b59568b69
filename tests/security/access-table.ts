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
};
