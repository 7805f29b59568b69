import mongoose from 'mongoose';
import { Post, Report, Reaction, User } from '../../../models';
import { DEMO_PASSWORD, seedDemo } from '../../../server/demo/seed';
import { demoTargetProblem } from '../../../server/demo/main';
import { hardenMongoose } from '../../../server/database';
import { createServices } from '../../../server/services';
import { ensureDefaultDocuments } from '../../../server/services/consent';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';

/** The demo is real data made by the services, and `npm run demo` never resets anything else. */
beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('demo'));
});
afterAll(async () => {
  await mongoose.disconnect();
});

it('refuses any database but the demo one', () => {
  expect(demoTargetProblem({})).toBeNull(); // default ./data/demo
  expect(demoTargetProblem({ DATA_DIR: './data/demo-2' })).toBeNull();
  expect(demoTargetProblem({ DATA_DIR: './data' })).toMatch(/demo/);
  expect(demoTargetProblem({ DATA_DIR: '/var/lib/harbour' })).toMatch(/demo/);
  expect(demoTargetProblem({ MONGODB_URI: 'mongodb://db.example/harbour-demo' })).toBeNull();
  expect(demoTargetProblem({ MONGODB_URI: 'mongodb://db.example/harbour' })).toMatch(
    /harbour-demo/,
  );
  expect(demoTargetProblem({ MONGODB_URI: 'mongodb://db.example/' })).toMatch(/harbour-demo/);
});

it('builds a group with staff, members, a week of conversation and a queue of every kind', async () => {
  const deps = testDeps();
  await ensureDefaultDocuments(deps);
  const services = createServices(deps);
  const result = await seedDemo(services, deps.clock, new Date('2026-11-29T12:00:00Z'));

  expect(result.groupSlug).toBe('mbc-ireland');
  expect(result.pendingKinds).toEqual([
    'attachment',
    'crisis',
    'link',
    'medical_question',
    'personal_information',
    'profanity',
    'threat',
  ]);
  expect(result.counts.pending).toBe(9);
  expect(result.counts.rejected).toBe(1);
  // Moderators find reports waiting on their Reports tab.
  expect(result.counts.reports).toBe(2);
  expect(await Report.countDocuments({ status: 'open' })).toBe(2);
  expect(result.counts.approved).toBeGreaterThan(60);
  // Staff have a second factor; every account signs in with the printed password.
  const staff = result.accounts.filter((a) => a.role !== 'member');
  expect(staff.every((a) => a.totpSecret)).toBe(true);
  for (const account of result.accounts) {
    await expect(
      services.accounts.authenticate(account.email, DEMO_PASSWORD),
    ).resolves.not.toBeNull();
  }
  // The birthday post has dozens of replies; reactions exist; everyone is clearly synthetic.
  const birthday = await Post.findOne({ body: /turn 60/ }).lean();
  expect(await Post.countDocuments({ parent: birthday?._id, status: 'approved' })).toBeGreaterThan(
    24,
  );
  expect(await Reaction.countDocuments({})).toBeGreaterThan(20);
  // Threads carry topics, so the topic filter has something to show.
  const topics = await Post.distinct('topic', { parent: null, status: 'approved' });
  expect(topics.filter(Boolean).sort()).toEqual([
    'celebrations',
    'everyday-life',
    'off-topic',
    'treatment',
  ]);
  const emails = (await User.find({}).select({ email: 1 }).lean()).map((u) => u.email);
  expect(emails.every((e) => e.endsWith('@demo.harbour.invalid'))).toBe(true);
}, 60_000);
