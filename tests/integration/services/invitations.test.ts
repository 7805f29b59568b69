import { createHash } from 'node:crypto';
import {
  AuditEvent,
  Invitation,
  Membership,
  Notification,
  PendingSignup,
  User,
} from '../../../models';
import type { Visitor } from '../../../server/context';
import { isAppError } from '../../../server/errors';
import { en } from '../../../server/i18n/en';
import { createServices } from '../../../server/services';
import { requireGroupAccess } from '../../../server/services/group-access';
import { testDeps } from '../../helpers/deps';
import { actorFor, addMember, createGroupWithPeople, createUser } from '../../helpers/factories';
import { connectGroupsDb, disconnectGroupsDb } from '../../helpers/groups-db';
import { confirmationToken, joinAsNewcomer } from '../../helpers/invitations';

const deps = testDeps();
const services = createServices(deps);
const visitor: Visitor = { kind: 'visitor', requestId: 'test' };
const ALL = ['terms', 'privacy', 'rules', 'disclaimer'] as const;
const PASSWORD = 'a quiet harbour on a calm evening';
const DAY = 86_400_000;

function newPerson(email: string) {
  return {
    confirmAge: true,
    accepted: [...ALL],
    newAccount: { email, displayName: 'River', password: PASSWORD },
  };
}

/** A newcomer's form and e-mailed link, as one step. */
function join(token: string, input: ReturnType<typeof newPerson>) {
  return joinAsNewcomer(services, deps.mailer, token, input);
}

/** Runs `fn` and returns the error's code and message (failing the test if nothing threw). */
async function failure(fn: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await fn();
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

beforeAll(() => connectGroupsDb('groups-invitations'));
afterAll(disconnectGroupsDb);
beforeEach(() => {
  deps.clock.set(new Date('2026-03-02T10:00:00Z'));
  deps.mailer.sent.length = 0;
});

describe('creating invitations', () => {
  it('an e-mail invitation is mailed with a link; only the token hash is stored', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const { token, url, invitation } = await services.invitations.createInvitation(
      actorFor(advocate),
      group.slug,
      { kind: 'email', email: 'Sam@Example.Test' },
    );
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url).toBe(`${deps.config.publicUrl}/invitations/${token}`);
    expect(invitation.status).toBe('pending');
    expect(invitation.expiresAt.getTime() - deps.clock.now().getTime()).toBe(7 * DAY);
    const stored = await Invitation.findById(invitation.id).lean();
    expect(stored?.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(deps.mailer.sent).toHaveLength(1);
    expect(deps.mailer.sent[0]?.to).toBe('sam@example.test');
    expect(deps.mailer.sent[0]?.text).toContain(url);
    const audit = await AuditEvent.findOne({
      action: 'invitation.created',
      targetId: invitation.id,
    });
    expect(audit).not.toBeNull();
    expect(JSON.stringify(audit)).not.toContain('sam@example.test');
  });

  it('expiry is capped by the administrators’ maximum', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const { invitation } = await services.invitations.createInvitation(
      actorFor(advocate),
      group.slug,
      {
        kind: 'link',
        maxUses: 5,
        days: 365,
      },
    );
    expect(invitation.expiresAt.getTime() - deps.clock.now().getTime()).toBe(
      deps.config.invitationMaxDays * DAY,
    );
  });

  it('only advocates of the group can invite; others get "not found"', async () => {
    const { group, member, moderator } = await createGroupWithPeople();
    const stranger = await createUser();
    for (const user of [member, moderator, stranger]) {
      const f = await failure(() =>
        services.invitations.createInvitation(actorFor(user), group.slug, {
          kind: 'link',
          maxUses: 2,
        }),
      );
      expect(f.code).toBe('not_found');
    }
  });
});

describe('redeeming invitations', () => {
  it('a new person joins with an e-mail invitation, accepting the documents', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const { token } = await services.invitations.createInvitation(actorFor(advocate), group.slug, {
      kind: 'email',
      email: 'new.person@example.test',
    });
    const preview = await services.invitations.previewInvitation(visitor, token);
    expect(preview.group.name).toBe(group.name);
    expect(preview.documents.map((d) => d.kind)).toEqual(
      expect.arrayContaining(['rules', 'disclaimer']),
    );
    expect(preview.needsAccount).toBe(true);

    const result = await join(token, newPerson('new.person@example.test'));
    expect(result.createdAccount).toBe(true);
    const user = await User.findById(result.userId).lean();
    expect(user?.displayName).toBe('River');
    const access = await requireGroupAccess(deps.clock, actorFor(user!), group.slug, 'participate');
    expect(access.canParticipate).toBe(true);
    expect(
      await AuditEvent.exists({ action: 'invitation.redeemed', actor: user!._id }),
    ).not.toBeNull();
    const note = await Notification.findOne({
      user: advocate._id,
      kind: 'invitation_accepted',
    }).lean();
    expect(note?.group?.toString()).toBe(String(group._id));
    expect(
      await AuditEvent.countDocuments({ action: 'consent.accepted', actor: user!._id }),
    ).toBeGreaterThanOrEqual(2);

    const again = await failure(() =>
      services.invitationSignup.requestSignup(visitor, token, newPerson('new.person@example.test')),
    );
    expect(again.code).toBe('invitation_invalid');
  });

  it('every failure reads the same: unknown, expired, used up, revoked, wrong address', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const adv = actorFor(advocate);
    const create = (input: Parameters<typeof services.invitations.createInvitation>[2]) =>
      services.invitations.createInvitation(adv, group.slug, input);

    const unknown = await failure(() =>
      services.invitationSignup.requestSignup(
        visitor,
        'A'.repeat(43),
        newPerson('x1@example.test'),
      ),
    );
    const malformed = await failure(() =>
      services.invitations.previewInvitation(visitor, 'not-a-token'),
    );

    const expiring = await create({ kind: 'link', maxUses: 5 });
    deps.clock.advance(7 * DAY + 1);
    const expired = await failure(() =>
      services.invitationSignup.requestSignup(
        visitor,
        expiring.token,
        newPerson('x2@example.test'),
      ),
    );
    deps.clock.set(new Date('2026-03-02T10:00:00Z'));

    const single = await create({ kind: 'link', maxUses: 1 });
    await join(single.token, newPerson('x3@example.test'));
    const usedUp = await failure(() =>
      services.invitationSignup.requestSignup(visitor, single.token, newPerson('x4@example.test')),
    );

    const revoking = await create({ kind: 'link', maxUses: 5 });
    await services.invitations.revokeInvitation(adv, group.slug, revoking.invitation.id);
    const revoked = await failure(() =>
      services.invitationSignup.requestSignup(
        visitor,
        revoking.token,
        newPerson('x5@example.test'),
      ),
    );

    const bound = await create({ kind: 'email', email: 'right@example.test' });
    const wrongAddress = await failure(() =>
      services.invitationSignup.requestSignup(
        visitor,
        bound.token,
        newPerson('wrong@example.test'),
      ),
    );
    const someoneElse = await createUser({ email: 'other.member@example.test' });
    const wrongSignedIn = await failure(() =>
      services.invitations.redeemInvitation(actorFor(someoneElse), bound.token, {
        confirmAge: true,
        accepted: [...ALL],
      }),
    );

    const all = [unknown, malformed, expired, usedUp, revoked, wrongAddress, wrongSignedIn];
    for (const f of all) {
      expect(f).toEqual({ code: 'invitation_invalid', message: en.invitations.invalid });
    }
    expect(en.invitations.invalid).not.toContain('right@example.test');
    // The right address still works after all that.
    const ok = await join(bound.token, newPerson('right@example.test'));
    expect(ok.createdAccount).toBe(true);
  });

  it('ten people using a 3-use link at once: exactly three get in', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const { token, invitation } = await services.invitations.createInvitation(
      actorFor(advocate),
      group.slug,
      { kind: 'link', maxUses: 3 },
    );
    // All ten fill in the form (that spends nothing), then all confirm from their e-mail at once.
    const crowd = Array.from({ length: 10 }, (_, i) => `crowd${i}@example.test`);
    for (const email of crowd) {
      await services.invitationSignup.requestSignup(visitor, token, newPerson(email));
    }
    expect((await Invitation.findById(invitation.id).lean())?.usesLeft).toBe(3);
    const results = await Promise.allSettled(
      crowd.map((email) =>
        services.invitationSignup.confirmSignup(confirmationToken(deps.mailer, email)),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(3);
    expect(failed).toHaveLength(7);
    for (const r of failed) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'invitation_invalid' });
    }
    const stored = await Invitation.findById(invitation.id).lean();
    expect(stored?.usesLeft).toBe(0);
    expect(stored?.redemptions).toHaveLength(3);
    expect(await Membership.countDocuments({ group: group._id, invitation: stored!._id })).toBe(3);
    const list = await services.invitations.listInvitations(actorFor(advocate), group.slug);
    expect(list.find((i) => i.id === invitation.id)).toMatchObject({
      status: 'accepted',
      uses: 3,
      maxUses: 3,
    });
  });

  it('someone with an account joins after signing in; a member already in uses nothing', async () => {
    const { group, advocate, member } = await createGroupWithPeople();
    const person = await createUser({ email: 'has.account@example.test' });
    const { token, invitation } = await services.invitations.createInvitation(
      actorFor(advocate),
      group.slug,
      { kind: 'email', email: 'has.account@example.test' },
    );
    const preview = await services.invitations.previewInvitation(actorFor(person), token);
    expect(preview.needsAccount).toBe(false);
    const joined = await services.invitations.redeemInvitation(actorFor(person), token, {
      confirmAge: true,
      accepted: [...ALL],
    });
    expect(joined).toMatchObject({ alreadyMember: false, createdAccount: false });
    await expect(
      requireGroupAccess(deps.clock, actorFor(person), group.slug, 'participate'),
    ).resolves.toBeTruthy();

    const link = await services.invitations.createInvitation(actorFor(advocate), group.slug, {
      kind: 'link',
      maxUses: 2,
    });
    const again = await services.invitations.redeemInvitation(actorFor(member), link.token, {
      confirmAge: true,
      accepted: [],
    });
    expect(again.alreadyMember).toBe(true);
    expect((await Invitation.findById(link.invitation.id).lean())?.usesLeft).toBe(2);
    expect((await Invitation.findById(invitation.id).lean())?.usesLeft).toBe(0);
  });

  it('the age confirmation and every document are required, and a refusal spends no use', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const { token, invitation } = await services.invitations.createInvitation(
      actorFor(advocate),
      group.slug,
      { kind: 'link', maxUses: 1 },
    );
    const noAge = await failure(() =>
      services.invitationSignup.requestSignup(visitor, token, {
        ...newPerson('age@example.test'),
        confirmAge: false,
      }),
    );
    expect(noAge.code).toBe('validation_failed');
    const noRules = await failure(() =>
      services.invitationSignup.requestSignup(visitor, token, {
        ...newPerson('age@example.test'),
        accepted: ['terms', 'privacy', 'disclaimer'],
      }),
    );
    expect(noRules.code).toBe('validation_failed');
    const weak = await failure(() =>
      services.invitationSignup.requestSignup(visitor, token, {
        ...newPerson('age@example.test'),
        newAccount: { email: 'age@example.test', displayName: 'A', password: 'short' },
      }),
    );
    expect(weak.code).toBe('validation_failed');
    expect((await Invitation.findById(invitation.id).lean())?.usesLeft).toBe(1);
  });

  it('an address that already has an account gets the same answer, a note by e-mail, and no second account', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const taken = await createUser({ email: 'taken@example.test' });
    const { token, invitation } = await services.invitations.createInvitation(
      actorFor(advocate),
      group.slug,
      { kind: 'link', maxUses: 1 },
    );
    const known = await services.invitationSignup.requestSignup(
      visitor,
      token,
      newPerson('taken@example.test'),
    );
    const fresh = await services.invitationSignup.requestSignup(
      visitor,
      token,
      newPerson('fresh@example.test'),
    );
    expect(known).toEqual(fresh);
    const [note, link] = deps.mailer.sent;
    expect(note).toMatchObject({ to: 'taken@example.test', subject: en.signup.existingSubject });
    expect(note?.text).not.toMatch(/\/invitations\//);
    expect(link).toMatchObject({ to: 'fresh@example.test', subject: en.signup.confirmSubject });
    // Nothing personal is kept for the registered address, and nothing can be confirmed.
    const kept = await PendingSignup.find({ invitation: invitation.id }).lean();
    expect(kept.map((p) => [p.existingAccount, p.email, p.passwordHash === ''])).toEqual([
      [true, '', true],
      [false, 'fresh@example.test', false],
    ]);
    expect(await User.countDocuments({ email: 'taken@example.test' })).toBe(1);
    expect((await User.findById(taken._id).lean())?.passwordHash).toBe(taken.passwordHash);
    expect((await Invitation.findById(invitation.id).lean())?.usesLeft).toBe(1);
  });

  it('a confirmation link works once, for 24 hours, and not after the documents changed', async () => {
    const { group, advocate, moderator } = await createGroupWithPeople();
    const { token, invitation } = await services.invitations.createInvitation(
      actorFor(advocate),
      group.slug,
      { kind: 'link', maxUses: 5 },
    );
    await services.invitationSignup.requestSignup(visitor, token, newPerson('late@example.test'));
    const late = confirmationToken(deps.mailer, 'late@example.test');
    await services.invitationSignup.requestSignup(visitor, token, newPerson('twice@example.test'));
    const twice = confirmationToken(deps.mailer, 'twice@example.test');
    await services.invitationSignup.requestSignup(visitor, token, newPerson('rules@example.test'));
    const rules = confirmationToken(deps.mailer, 'rules@example.test');

    await services.invitationSignup.confirmSignup(twice);
    expect((await failure(() => services.invitationSignup.confirmSignup(twice))).code).toBe(
      'invitation_invalid',
    );
    await services.consent.publishGroupDocument(actorFor(moderator), group.slug, {
      kind: 'disclaimer',
      disclaimer: 'Take every health question to your own care team.',
    });
    expect((await failure(() => services.invitationSignup.confirmSignup(rules))).code).toBe(
      'invitation_invalid',
    );
    deps.clock.advance(DAY + 1);
    expect((await failure(() => services.invitationSignup.confirmSignup(late))).code).toBe(
      'invitation_invalid',
    );
    expect((await Invitation.findById(invitation.id).lean())?.usesLeft).toBe(4);
  });

  it('leaving and coming back reactivates; a removed member needs a new invitation', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const person = await createUser();
    await addMember(person, group);
    const link = await services.invitations.createInvitation(actorFor(advocate), group.slug, {
      kind: 'link',
      maxUses: 5,
    });
    const before = await Membership.findOne({ user: person._id, group: group._id }).lean();
    await services.memberships.leaveGroup(actorFor(person), group.slug);
    deps.clock.advance(60_000);
    await services.invitations.redeemInvitation(actorFor(person), link.token, {
      confirmAge: true,
      accepted: [...ALL],
    });
    const after = await Membership.findOne({ user: person._id, group: group._id }).lean();
    expect(String(after?._id)).toBe(String(before?._id));
    expect(after?.status).toBe('active');

    deps.clock.advance(60_000);
    await services.memberships.removeMember(actorFor(advocate), group.slug, {
      userId: String(person._id),
      reason: 'Repeated rule 2 breaches',
    });
    deps.clock.advance(60_000);
    const old = await failure(() =>
      services.invitations.redeemInvitation(actorFor(person), link.token, {
        confirmAge: true,
        accepted: [...ALL],
      }),
    );
    expect(old.code).toBe('invitation_invalid');
    const fresh = await services.invitations.createInvitation(actorFor(advocate), group.slug, {
      kind: 'link',
      maxUses: 1,
    });
    await services.invitations.redeemInvitation(actorFor(person), fresh.token, {
      confirmAge: true,
      accepted: [...ALL],
    });
    const back = await Membership.findOne({ user: person._id, group: group._id }).lean();
    expect(back?.status).toBe('active');
    expect(back?.roles).toEqual(['member']);
  });

  it('advocates see statuses: pending, accepted, expired, revoked', async () => {
    const { group, advocate } = await createGroupWithPeople();
    const adv = actorFor(advocate);
    const pending = await services.invitations.createInvitation(adv, group.slug, {
      kind: 'link',
      maxUses: 2,
    });
    const revoked = await services.invitations.createInvitation(adv, group.slug, {
      kind: 'link',
      maxUses: 2,
    });
    await services.invitations.revokeInvitation(adv, group.slug, revoked.invitation.id);
    const short = await services.invitations.createInvitation(adv, group.slug, {
      kind: 'link',
      maxUses: 2,
      days: 1,
    });
    await join(pending.token, newPerson('one@example.test'));
    deps.clock.advance(2 * DAY);
    const list = await services.invitations.listInvitations(adv, group.slug);
    const byId = new Map(list.map((i) => [i.id, i]));
    expect(byId.get(pending.invitation.id)).toMatchObject({ status: 'pending', uses: 1 });
    expect(byId.get(revoked.invitation.id)).toMatchObject({ status: 'revoked', uses: 0 });
    expect(byId.get(short.invitation.id)).toMatchObject({ status: 'expired', uses: 0 });
    expect(
      await AuditEvent.exists({ action: 'invitation.revoked', targetId: revoked.invitation.id }),
    ).not.toBeNull();
  });
});
