import mongoose from 'mongoose';
import { AuditEvent, Membership, Post, RotaSlot } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import type { AppError } from '../../../server/errors';
import { createServices } from '../../../server/services';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { actorFor, addMember, createGroup, createUser } from '../../helpers/factories';

/**
 * The moderators' rota and what members are told: slots are taken, handed over, swapped and
 * given back; the expected wait an author reads after sending uses rota + business hours.
 */
const deps = testDeps();
const services = createServices(deps);
let counter = 0;
const key = () => `cov-${Date.now()}-${(counter += 1)}`;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('coverage-services'));
  await Promise.all([Post.init(), Membership.init(), AuditEvent.init(), RotaSlot.init()]);
});
afterAll(async () => {
  await mongoose.disconnect();
});
beforeEach(() => deps.clock.set(new Date('2026-03-06T18:00:00Z'))); // Friday 18:00 Dublin

async function rejects(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected the call to fail');
}

async function world() {
  const group = await createGroup();
  const a = await createUser();
  const b = await createUser();
  const author = await createUser();
  await addMember(a, group, ['member', 'moderator']);
  await addMember(b, group, ['member', 'moderator']);
  await addMember(author, group);
  return { group, a: actorFor(a), b: actorFor(b), author: actorFor(author) };
}

async function submit(actor: ReturnType<typeof actorFor>, group: string, body = 'Hello all') {
  const result = await services.posts.submitPost(actor, {
    group,
    body,
    idempotencyKey: key(),
    acknowledgedFindings: false,
  });
  if (result.status !== 'stored') throw new Error('not stored');
  return result;
}

describe('the rota', () => {
  it('a Saturday slot brings review forward from Monday to Saturday for the author', async () => {
    const w = await world();
    const before = await submit(w.author, w.group.slug);
    expect(before.wait.resumesAt).toBe('2026-03-09T09:00:00.000Z');

    await services.rota.addSlot(w.a, {
      group: w.group.slug,
      weekday: 6,
      start: '10:00',
      end: '14:00',
      takeIt: true,
    });
    const after = await submit(w.author, w.group.slug, 'Anyone around at the weekend?');
    expect(after.wait.open).toBe(false);
    expect(after.wait.resumesAt).toBe('2026-03-07T10:00:00.000Z');
    expect(after.wait.text).toMatch(/^No moderator is on duty right now\..*from Saturday 10:00\.$/);

    deps.clock.set(new Date('2026-03-07T11:00:00Z')); // Saturday 11:00: on duty
    const page = await services.posts.listConversation(w.author, { group: w.group.slug });
    expect(page.wait.open).toBe(true);
    expect(page.wait.text).toMatch(/^A moderator is on duty now\./);
  });

  it('a free slot covers nothing until someone takes it; only one person gets it', async () => {
    const w = await world();
    const { id } = await services.rota.addSlot(w.a, {
      group: w.group.slug,
      weekday: 5,
      start: '18:00',
      end: '22:00',
      takeIt: false,
    });
    expect((await submit(w.author, w.group.slug)).wait.open).toBe(false);
    await services.rota.takeSlot(w.b, { group: w.group.slug, slotId: id });
    const second = await rejects(services.rota.takeSlot(w.a, { group: w.group.slug, slotId: id }));
    expect(second.code).toBe('conflict');
    const now = await submit(w.author, w.group.slug);
    expect(now.wait.open).toBe(true);
    const rota = await services.rota.listRota(w.a, { group: w.group.slug });
    expect(rota.slots).toEqual([
      expect.objectContaining({ label: 'Friday 18:00–22:00', moderatorId: String(w.b.userId) }),
    ]);
    expect(rota.status.onDuty).toBe(true);
  });

  it('hand over, swap and give back change who is on duty; each is audited', async () => {
    const w = await world();
    const mine = await services.rota.addSlot(w.a, {
      group: w.group.slug,
      weekday: 6,
      start: '10:00',
      end: '14:00',
      takeIt: true,
    });
    const theirs = await services.rota.addSlot(w.b, {
      group: w.group.slug,
      weekday: 7,
      start: '10:00',
      end: '14:00',
      takeIt: true,
    });
    const owner = async (slotId: string) =>
      String((await RotaSlot.findById(slotId).lean())?.moderator ?? null);

    await services.rota.swapSlots(w.a, {
      group: w.group.slug,
      slotId: mine.id,
      withSlotId: theirs.id,
    });
    expect(await owner(mine.id)).toBe(String(w.b.userId));
    expect(await owner(theirs.id)).toBe(String(w.a.userId));

    // A cannot hand over B's slot; B can, to A.
    const notYours = await rejects(
      services.rota.handOverSlot(w.a, {
        group: w.group.slug,
        slotId: mine.id,
        toUserId: String(w.a.userId),
      }),
    );
    expect(notYours.code).toBe('conflict');
    await services.rota.handOverSlot(w.b, {
      group: w.group.slug,
      slotId: mine.id,
      toUserId: String(w.a.userId),
    });
    expect(await owner(mine.id)).toBe(String(w.a.userId));

    await services.rota.releaseSlot(w.a, { group: w.group.slug, slotId: mine.id });
    expect(await owner(mine.id)).toBe('null');

    const actions = (await AuditEvent.find({ group: w.group._id }).lean()).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'rota.slot_added',
        'rota.slot_swapped',
        'rota.slot_handed_over',
        'rota.slot_released',
      ]),
    );
  });

  it('members and outsiders cannot see or change the rota (404)', async () => {
    const w = await world();
    const outsider = actorFor(await createUser());
    for (const actor of [w.author, outsider]) {
      const e = await rejects(services.rota.listRota(actor, { group: w.group.slug }));
      expect(e.status).toBe(404);
    }
  });

  it('a slot of someone who stopped moderating covers nothing', async () => {
    const w = await world();
    await services.rota.addSlot(w.b, {
      group: w.group.slug,
      weekday: 5,
      start: '18:00',
      end: '22:00',
      takeIt: true,
    });
    expect((await submit(w.author, w.group.slug)).wait.open).toBe(true);
    await Membership.updateOne({ group: w.group._id, user: w.b.userId }, { roles: ['member'] });
    expect((await submit(w.author, w.group.slug)).wait.open).toBe(false);
  });
});
