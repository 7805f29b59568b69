import mongoose from 'mongoose';
import { Invitation, JoinRequest, Membership, Post } from '../../models';
import type { Socket as ClientSocket } from 'socket.io-client';
import { allRoutes } from '../../server/http/routes';
import { allHandlers } from '../../server/sockets/handlers';
import { socketFor, startTestApp, type TestApp } from '../helpers/test-app';
import { eventTable, routeTable, type RouteRow } from './access-table';
import {
  anonymousAgent,
  buildFixture,
  createPeople,
  OUTSIDE_A,
  ROLES,
  SIGNED_IN,
  signInAs,
  type Fixture,
  type GroupFixture,
  type People,
  type Role,
  type SignedInRole,
} from './helpers/roles';

/**
 * Access matrices generated from the route and socket registries: every route and event × every
 * role × own and other groups' object ids. Nothing unexpected succeeds, anything inside a group
 * someone may not see answers exactly like a missing group (404), and no response or live event
 * carries content (post texts, the secret group's name) to someone who may not see it.
 */
let t: TestApp;
let people: People;
let shared: Fixture;

beforeAll(async () => {
  t = await startTestApp({ name: 'security-access-matrix' });
  people = await createPeople(t);
  shared = await buildFixture(t.services, t.deps.clock, people);
}, 60_000);
afterAll(async () => {
  await t.close();
});

const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

function fill(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(value);
  });
}

interface Answer {
  status: number;
  location: string | undefined;
  text: string;
}

/** Header problems of every HTML response the matrices see (all routes x all roles). */
const headerProblems: unknown[] = [];
const nonces = new Set<string>();
let htmlResponses = 0;

function checkHeaders(role: Role, path: string, headers: Record<string, string | undefined>): void {
  if (!String(headers['content-type'] ?? '').startsWith('text/html')) return;
  htmlResponses += 1;
  const csp = String(headers['content-security-policy'] ?? '');
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] ?? '';
  const problems: string[] = [];
  if (Buffer.from(nonce, 'base64').length < 16) problems.push('nonce under 128 bits');
  if (nonces.has(nonce)) problems.push('nonce reused');
  nonces.add(nonce);
  if (/unsafe-inline|unsafe-eval/.test(csp)) problems.push('unsafe-inline/eval');
  if (!/object-src 'none'/.test(csp)) problems.push('object-src');
  if (!/frame-ancestors 'none'/.test(csp)) problems.push('frame-ancestors');
  if (headers['x-content-type-options'] !== 'nosniff') problems.push('nosniff');
  if (headers['cross-origin-opener-policy'] !== 'same-origin') problems.push('COOP');
  if (headers['x-powered-by'] !== undefined) problems.push('X-Powered-By');
  if (role !== 'anonymous' && !/no-store/.test(String(headers['cache-control'] ?? ''))) {
    problems.push('no-store missing while signed in');
  }
  if (problems.length) headerProblems.push({ role, path, problems });
}

async function send(
  role: Role,
  method: string,
  path: string,
  row: RouteRow,
  g: GroupFixture,
  agentOverride?: People['agents'][SignedInRole] | People['anonymous'],
): Promise<Answer> {
  // Fresh limits for every request: the matrix checks access, the limits have their own tests.
  await mongoose.connection.collection('rate_limits').deleteMany({});
  const agent = agentOverride ?? (role === 'anonymous' ? people.anonymous : people.agents[role]);
  const call = (agent as unknown as Record<string, (p: string) => import('supertest').Test>)[
    method
  ]!(path);
  if (row.query) void call.query(row.query(g));
  let res;
  if (method === 'get') {
    res = await call.redirects(0);
  } else {
    res = await call
      .redirects(0)
      .type('form')
      .send({ ...(row.body?.(g, people) ?? {}), _csrf: agent.csrf() });
  }
  checkHeaders(role, path, res.headers as Record<string, string | undefined>);
  return { status: res.status, location: res.headers.location, text: res.text ?? '' };
}

function served(a: Answer, row: RouteRow): boolean {
  const ok = row.ok ?? [200, 303, 409, 422];
  if (!ok.includes(a.status)) return false;
  return !(a.status === 303 && a.location === '/login');
}

function leaks(role: Role, a: Answer, g: GroupFixture, path: string): string[] {
  const found: string[] = [];
  const secretsFor: string[] = [];
  if (OUTSIDE_A.includes(role)) {
    secretsFor.push(g.secrets.pending, g.secrets.rejected, g.secrets.approved);
    // The invitation page names its group to whoever holds the link (its purpose), and
    // administrators manage every group by name.
    const namesGroup =
      path.startsWith('/invitations/') ||
      (role === 'admin' && (path.startsWith('/admin') || /\/(audit|insights)\b/.test(path)));
    if (!namesGroup) secretsFor.push(g.secrets.name);
  } else if (role !== 'member' && role !== 'moderator') {
    secretsFor.push(g.secrets.pending, g.secrets.rejected);
  }
  for (const s of secretsFor) if (a.text.includes(s)) found.push(s);
  return found;
}

const MISSING_SLUG = 'no-such-group-anywhere';

/** The same request as `role` against a group that does not exist (null if not group-scoped). */
async function answerForMissingGroup(
  role: Role,
  route: (typeof allRoutes)[number],
  row: RouteRow,
): Promise<Answer | null> {
  if (!OUTSIDE_A.includes(role) || !/:slug\b/.test(route.path)) return null;
  const params = { ...(row.params?.(shared.a) ?? {}), slug: MISSING_SLUG };
  return send(role, route.method, fill(route.path, params), row, shared.a);
}

/** What a refused role must see. */
function refusedAsExpected(
  role: Role,
  route: (typeof allRoutes)[number],
  row: RouteRow,
  a: Answer,
): boolean {
  if (role === 'anonymous' && route.access !== 'public') {
    // Pages send a visitor to sign in; forms and APIs answer 401.
    if (route.kind === 'page' && route.method === 'get') {
      return a.status === 303 && a.location === '/login';
    }
    return a.status === 401;
  }
  const inGroup = /:slug\b/.test(route.path);
  if ((inGroup && OUTSIDE_A.includes(role)) || route.access === 'admin') return a.status === 404;
  return (row.refused ?? [403, 404]).includes(a.status);
}

describe('HTTP access matrix', () => {
  it('has an expectation row for every registered route (and no stale rows)', () => {
    const registered = allRoutes.map(key).sort();
    expect(registered.filter((k) => !(k in routeTable))).toEqual([]);
    expect(Object.keys(routeTable).filter((k) => !registered.includes(k))).toEqual([]);
  });

  it('refuses every role a route does not allow, as a missing group would, leaking nothing', async () => {
    const failures: unknown[] = [];
    for (const route of allRoutes) {
      const row = routeTable[key(route)];
      if (!row) continue;
      const path = fill(route.path, row.params?.(shared.a) ?? {});
      for (const role of ROLES) {
        if (row.allow.includes(role)) continue;
        const a = await send(role, route.method, path, row, shared.a);
        if (!refusedAsExpected(role, route, row, a)) {
          // Outside the group, the answer must be exactly a missing group's answer.
          const missing = await answerForMissingGroup(role, route, row);
          const same =
            missing !== null &&
            a.status >= 300 &&
            missing.status === a.status &&
            (missing.location ?? '').replace(MISSING_SLUG, shared.a.group.slug) ===
              (a.location ?? '');
          if (!same) {
            failures.push({ route: key(route), role, status: a.status, location: a.location });
          }
        }
        const leaked = leaks(role, a, shared.a, path);
        if (leaked.length) failures.push({ route: key(route), role, leaked });
      }
    }
    expect(failures).toEqual([]);
    // …and none of those refused requests changed anything.
    const [post, target, invitation, request] = await Promise.all([
      Post.findById(shared.a.pendingPostId).lean(),
      Membership.findOne({ user: people.users.target._id, group: shared.a.group._id }).lean(),
      Invitation.findById(shared.a.invitationId).lean(),
      JoinRequest.findById(shared.a.joinRequestId).lean(),
    ]);
    expect(post).toMatchObject({ status: 'pending', version: 1, body: shared.a.secrets.pending });
    expect(target).toMatchObject({ status: 'active' });
    expect(invitation?.revokedAt ?? null).toBeNull();
    expect(request).toMatchObject({ status: 'pending' });
  }, 120_000);

  it("refuses other groups' object ids under one's own group (404) in both directions", async () => {
    const failures: unknown[] = [];
    for (const route of allRoutes.filter(
      (r) => /:slug\b/.test(r.path) && /:(postId|id)\b/.test(r.path),
    )) {
      const row = routeTable[key(route)];
      if (!row?.params || route.access === 'admin') continue;
      // A's moderator/advocate with A's slug and B's object; B's staff with B's slug and A's object.
      const attempts: Array<[SignedInRole, GroupFixture, GroupFixture]> = [
        ['moderator', shared.a, shared.b],
        ['advocate', shared.a, shared.b],
        ['member', shared.a, shared.b],
        ['moderatorElsewhere', shared.b, shared.a],
      ];
      for (const [role, own, other] of attempts) {
        const params = { ...row.params(other), slug: own.group.slug };
        const a = await send(role, route.method, fill(route.path, params), row, other);
        if (a.status !== 404 && !(row.refused ?? []).includes(a.status)) {
          failures.push({ route: key(route), role, status: a.status });
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('serves every role a route allows (so the refusals above are the rules working)', async () => {
    const failures: unknown[] = [];
    for (const route of allRoutes) {
      const row = routeTable[key(route)];
      if (!row) continue;
      // Reading changes nothing: GETs and account routes use the shared groups. A fresh group per
      // role where an allowed request changes the group (leave, remove, approve, …).
      const changesGroup = /:(slug|id|token|postId)\b/.test(route.path) && route.method !== 'get';
      for (const role of row.allow) {
        const fx = changesGroup ? await buildFixture(t.services, t.deps.clock, people) : shared;
        const path = fill(route.path, row.params?.(fx.a) ?? {});
        let agentOverride;
        if (row.endsSession) {
          agentOverride =
            role === 'anonymous'
              ? await anonymousAgent(t.baseUrl)
              : await signInAs(t, people, role);
        }
        const a = await send(role, route.method, path, row, fx.a, agentOverride);
        if (!served(a, row)) {
          failures.push({ route: key(route), role, status: a.status, location: a.location });
        }
        const leaked = leaks(role, a, fx.a, path);
        if (leaked.length) failures.push({ route: key(route), role, leaked });
      }
      // Signing out everywhere ends the shared sessions too: sign everyone in again.
      if (row.endsSession) {
        for (const role of SIGNED_IN) people.agents[role] = await signInAs(t, people, role);
      }
    }
    expect(failures).toEqual([]);
  }, 180_000);
});

describe('headers', () => {
  it('every HTML response above had a fresh >=128-bit nonce CSP, nosniff, COOP, no X-Powered-By, no-store when signed in', () => {
    expect(htmlResponses).toBeGreaterThan(200);
    expect(headerProblems).toEqual([]);
  });
});

describe('socket event access matrix', () => {
  const sockets = new Map<SignedInRole, ClientSocket>();
  const received = new Map<SignedInRole, string[]>();

  beforeAll(async () => {
    for (const role of SIGNED_IN) {
      const socket = await socketFor(people.agents[role]);
      const log: string[] = [];
      socket.onAny((event: string, ...args: unknown[]) =>
        log.push(`${event} ${JSON.stringify(args)}`),
      );
      sockets.set(role, socket);
      received.set(role, log);
    }
  });
  afterAll(() => {
    for (const s of sockets.values()) s.close();
  });

  function emit(role: SignedInRole, event: string, payload: unknown) {
    return new Promise<{ ok: boolean; error?: { code: string } }>((resolve) =>
      sockets.get(role)!.emit(event, payload, resolve),
    );
  }

  it('has an expectation row for every registered event (and no stale rows)', () => {
    const registered = allHandlers.map((h) => h.event).sort();
    expect(registered.filter((e) => !(e in eventTable))).toEqual([]);
    expect(Object.keys(eventTable).filter((e) => !registered.includes(e))).toEqual([]);
  });

  it('refuses a visitor at the handshake', async () => {
    await expect(socketFor({ baseUrl: t.baseUrl, cookie: () => '' })).rejects.toThrow(
      /unauthenticated/,
    );
  });

  it('refuses every role an event does not allow (not_found outside the group), own and other ids', async () => {
    const failures: unknown[] = [];
    for (const handler of allHandlers) {
      const row = eventTable[handler.event];
      if (!row) continue;
      for (const role of SIGNED_IN) {
        if (row.allow.includes(role)) continue;
        await mongoose.connection.collection('rate_limits').deleteMany({});
        const ack = await emit(role, handler.event, row.payload(shared.a));
        const code = ack.error?.code;
        const fine = OUTSIDE_A.includes(role)
          ? !ack.ok && code === 'not_found'
          : !ack.ok && (code === 'not_found' || code === 'forbidden' || code === 'muted');
        if (!fine && !(row.allow.length === SIGNED_IN.length)) {
          failures.push({ event: handler.event, role, ack });
        }
      }
      // B's staff with A's objects, A's staff with B's objects.
      for (const [role, other] of [
        ['moderatorElsewhere', shared.a],
        ['moderator', shared.b],
      ] as const) {
        if (row.allow.length === SIGNED_IN.length) continue;
        const ack = await emit(role, handler.event, row.payload(other));
        if (ack.ok || ack.error?.code !== 'not_found') {
          failures.push({ event: handler.event, role, cross: true, ack });
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('serves every role an event allows', async () => {
    const failures: unknown[] = [];
    for (const handler of allHandlers) {
      const row = eventTable[handler.event];
      if (!row) continue;
      for (const role of row.allow) {
        if (role === 'anonymous') continue;
        const fx = await buildFixture(t.services, t.deps.clock, people);
        await mongoose.connection.collection('rate_limits').deleteMany({});
        const ack = await emit(role, handler.event, row.payload(fx.a));
        const code = ack.error?.code ?? '';
        if (!ack.ok && ['not_found', 'forbidden', 'unauthenticated', 'internal'].includes(code)) {
          failures.push({ event: handler.event, role, ack });
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('delivered no live event carrying content to anyone who may not see it', async () => {
    await new Promise((r) => setTimeout(r, 200));
    const failures: unknown[] = [];
    for (const [role, log] of received) {
      for (const line of log) {
        for (const g of [shared.a]) {
          const l = leaks(role, { status: 200, location: undefined, text: line }, g, '');
          if (l.length) failures.push({ role, leaked: l, line: line.slice(0, 120) });
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
