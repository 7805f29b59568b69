import mongoose from 'mongoose';
import pino from 'pino';
import { JobRun, Lease, Membership, NotificationSettings } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import { RETENTION_JOB } from '../../../server/services/retention';
import { startSanctionSweep } from '../../../server/services/sanction-sweep';
import { schedulerTick } from '../../../server/services/scheduler';
import { createServices } from '../../../server/services';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { addMember, createGroup, createUser } from '../../helpers/factories';

/**
 * Two app instances (their own deps, services, mailer and INSTANCE_ID; one database and one
 * time) ticking their schedulers over and over: the daily jobs happen once, never twice. The real
 * processes of `npm run cluster` are covered in tests/cluster.
 */
const a = testDeps({ INSTANCE_ID: 'a' });
const b = { ...testDeps({ INSTANCE_ID: 'b' }), clock: a.clock };
const instances = [
  { deps: a, services: createServices(a) },
  { deps: b, services: createServices(b) },
];
const DAY = 86_400_000;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('scheduler-instances'));
  await Lease.init();
});
afterAll(async () => {
  await mongoose.disconnect();
});

/** Both instances tick; the second starts a little later each round, as real ones drift. */
async function rounds(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await Promise.all(
      instances.map(async ({ deps, services }, k) => {
        if (k === 1) await new Promise((r) => setTimeout(r, (i * 7) % 40));
        await schedulerTick(deps, services);
      }),
    );
  }
}

describe('scheduled jobs on two instances', () => {
  it('retention runs once a day and a daily summary goes out once, whichever instance ticks', async () => {
    a.clock.set(new Date('2027-01-10T08:00:00Z'));
    const member = await createUser();
    await NotificationSettings.create({
      user: member._id,
      email: { post_approved: 'daily' },
      digestPending: 3,
    });

    await rounds(8);
    expect(await JobRun.countDocuments({ name: RETENTION_JOB })).toBe(1);
    const summaries = () =>
      [...a.mailer.sent, ...b.mailer.sent].filter((m) => m.to === member.email).length;
    expect(summaries()).toBe(1);

    a.clock.advance(DAY);
    await NotificationSettings.updateOne({ user: member._id }, { $set: { digestPending: 1 } });
    await rounds(8);
    expect(await JobRun.countDocuments({ name: RETENTION_JOB })).toBe(2);
    expect(summaries()).toBe(2);
  }, 60_000);

  it('an ended mute is cleared, and the member told, once — though both instances sweep every 20 ms', async () => {
    a.clock.set(new Date('2027-02-01T09:00:00Z'));
    const group = await createGroup();
    const member = await createUser();
    await addMember(member, group, ['member'], { mutedUntil: new Date('2027-02-01T08:00:00Z') });
    const told: string[] = [];
    for (const { deps } of instances) {
      deps.events.on('membership.changed', ({ userId }) => {
        if (userId === String(member._id)) told.push(deps.config.instanceId);
      });
    }
    const silent = pino({ level: 'silent' });
    const stops = instances.map(({ deps, services }) =>
      startSanctionSweep(deps, services, silent, 20),
    );
    try {
      const until = Date.now() + 5000;
      while (told.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300)); // more sweeps by both
    } finally {
      stops.forEach((stop) => stop());
    }
    expect(told).toHaveLength(1);
    const m = await Membership.findOne({ user: member._id }).lean();
    expect(m?.mutedUntil ?? null).toBeNull();
  });
});
