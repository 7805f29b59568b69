import { AuditEvent, DocumentVersion, Group } from '../../../models';
import { createServices } from '../../../server/services';
import { ensureDefaultDocuments } from '../../../server/services/consent';
import { requireGroupAccess } from '../../../server/services/group-access';
import { testDeps } from '../../helpers/deps';
import { actorFor, createGroupWithPeople, createUser } from '../../helpers/factories';
import { connectGroupsDb, disconnectGroupsDb } from '../../helpers/groups-db';

const deps = testDeps();
const services = createServices(deps);

beforeAll(async () => {
  await connectGroupsDb('groups-consent');
  await ensureDefaultDocuments(deps);
});
afterAll(disconnectGroupsDb);

describe('consent ledger', () => {
  it('default terms of use are seeded once, in plain words', async () => {
    await ensureDefaultDocuments(deps);
    await ensureDefaultDocuments(deps);
    expect(await DocumentVersion.countDocuments({ kind: 'terms', group: null })).toBe(1);
    expect(await DocumentVersion.countDocuments({ kind: 'privacy', group: null })).toBe(1);
    const terms = await DocumentVersion.findOne({ kind: 'terms', group: null }).lean();
    expect(terms?.body).toMatch(/personal health questions/i);
    expect(terms?.body).toMatch(/photos/i);
    expect(terms?.body).toMatch(/profanity/i);
    expect(terms?.body).toMatch(/Monday to Friday/);
    expect(terms?.body).toMatch(/your own doctor or care team/);
  });

  it('a member who has not accepted the site terms is read-only until they do', async () => {
    const { group, member } = await createGroupWithPeople();
    const actor = actorFor(member);
    await expect(requireGroupAccess(deps.clock, actor, group.slug, 'enter')).resolves.toBeTruthy();
    for (const ref of [group.slug, String(group._id)]) {
      await expect(requireGroupAccess(deps.clock, actor, ref, 'participate')).rejects.toMatchObject(
        { code: 'consent_required', details: { documents: ['terms', 'privacy'] } },
      );
    }
    const pending = await services.consent.pendingDocuments(actor, group.slug);
    expect(pending.documents.map((d) => d.kind).sort()).toEqual(['privacy', 'terms']);
    await services.consent.acceptDocuments(actor, group.slug, { accepted: ['terms', 'privacy'] });
    await expect(
      requireGroupAccess(deps.clock, actor, group.slug, 'participate'),
    ).resolves.toBeTruthy();
  });

  it('new rules from a moderator make members read-only until accepted; rule ids stay', async () => {
    const { group, member, moderator } = await createGroupWithPeople();
    for (const user of [member, moderator]) {
      await services.consent.acceptDocuments(actorFor(user), group.slug, {
        accepted: ['terms', 'privacy'],
      });
    }
    const rules = [
      ...group.rules.map((r) => ({ ruleId: r.ruleId, title: r.title, body: r.body ?? '' })),
      { title: 'No selling', body: 'No adverts or selling.' },
    ];
    const version = await services.consent.publishGroupDocument(actorFor(moderator), group.slug, {
      kind: 'rules',
      rules,
      changeSummary: 'We added rule 5: no selling.',
    });
    expect(version).toBe(group.rulesVersion + 1);
    const fresh = await Group.findById(group._id).lean();
    expect(fresh?.rules.slice(0, 4).map((r) => r.ruleId)).toEqual(group.rules.map((r) => r.ruleId));
    expect(fresh?.rules[4]?.ruleId).toMatch(/^r-[0-9a-f]{8}$/);

    const actor = actorFor(member);
    // By address and by id (sockets), the group's accepted earlier version does not count.
    for (const ref of [group.slug, String(group._id)]) {
      await expect(requireGroupAccess(deps.clock, actor, ref, 'participate')).rejects.toMatchObject(
        { code: 'consent_required', details: { documents: ['rules'] } },
      );
    }
    const pending = await services.consent.pendingDocuments(actor, group.slug);
    expect(pending.documents).toEqual([
      expect.objectContaining({
        kind: 'rules',
        version,
        changeSummary: 'We added rule 5: no selling.',
      }),
    ]);
    expect(pending.documents[0]?.body).toContain('5. No selling');
    await services.consent.acceptDocuments(actor, group.slug, { accepted: ['rules'] });
    for (const ref of [group.slug, String(group._id)]) {
      await expect(requireGroupAccess(deps.clock, actor, ref, 'participate')).resolves.toBeTruthy();
    }
    expect(
      await AuditEvent.exists({
        action: 'consent.accepted',
        actor: member._id,
        targetId: `rules:${version}`,
      }),
    ).not.toBeNull();
  });

  it('a new disclaimer works the same way; members cannot publish', async () => {
    const { group, member, moderator } = await createGroupWithPeople();
    await expect(
      services.consent.publishGroupDocument(actorFor(member), group.slug, {
        kind: 'disclaimer',
        disclaimer: 'x',
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await services.consent.publishGroupDocument(actorFor(moderator), group.slug, {
      kind: 'disclaimer',
      disclaimer: 'Nothing here is medical advice. Ask your own care team.',
    });
    const pending = await services.consent.pendingDocuments(actorFor(member), group.slug);
    expect(pending.documents.map((d) => d.kind)).toContain('disclaimer');
  });

  it('administrators publish new site terms; everyone must accept again', async () => {
    const admin = await createUser({ siteRole: 'admin' });
    const { group, member } = await createGroupWithPeople();
    await services.consent.acceptDocuments(actorFor(member), group.slug, {
      accepted: ['terms', 'privacy'],
    });
    await expect(
      services.consent.publishSiteDocument(actorFor(member), {
        kind: 'terms',
        title: 'T',
        body: 'B',
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const doc = await services.consent.publishSiteDocument(actorFor(admin), {
      kind: 'terms',
      title: 'Terms of use',
      body: 'New terms.',
      changeSummary: 'Clearer words about photos.',
    });
    expect(doc.version).toBe(2);
    await expect(
      requireGroupAccess(deps.clock, actorFor(member), group.slug, 'participate'),
    ).rejects.toMatchObject({ code: 'consent_required' });
  });
});
