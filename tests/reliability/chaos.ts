/**
 * `npm run test:chaos`: the heavy rounds of the reliability proof, outside `npm test`.
 * - 200 SIGKILL trials (app and engine alternating) under load, each checked for acknowledged
 *   posts and approvals existing exactly once with their audit records;
 * - 10,000 submissions over a flaky connection (drops, duplicates, reconnects): 0 lost,
 *   0 duplicated.
 * Runs on the embedded engine; CHAOS_TRIALS and CHAOS_SUBMITS override the counts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedEngine } from '../../server/database/embedded/process';
import { addMember, createGroup, createUser, TEST_PASSWORD } from '../helpers/factories';
import { signIn, startTestApp } from '../helpers/test-app';
import { countCopies, flakySubmits } from './flaky';
import { crashTrial } from './harness';

async function main(): Promise<void> {
  const trials = Number(process.env.CHAOS_TRIALS ?? 200);
  const submits = Number(process.env.CHAOS_SUBMITS ?? 10_000);
  const failures: string[] = [];
  let posts = 0;
  let decisions = 0;
  let rejections = 0;
  const started = Date.now();
  for (let i = 0; i < trials; i++) {
    const kill = i % 2 === 0 ? 'app' : 'engine';
    const r = await crashTrial(1000 + i, kill);
    posts += r.ackedPosts;
    decisions += r.ackedDecisions;
    rejections += r.ackedRejections;
    for (const p of r.problems) failures.push(`trial ${i} (${kill}): ${p}`);
    process.stdout.write(
      `crash trial ${i + 1}/${trials} kill=${kill} acked posts=${r.ackedPosts} decisions=${r.ackedDecisions} (rejections ${r.ackedRejections}) problems=${r.problems.length}\n`,
    );
  }
  process.stdout.write(
    `crash trials: ${trials}, acknowledged posts ${posts}, decisions ${decisions} (rejections ${rejections}), problems ${failures.length}, ${Math.round((Date.now() - started) / 1000)} s\n`,
  );

  // Flaky submissions run against an in-process app on a scratch engine.
  const engine = await startEmbeddedEngine({
    dataDir: path.join(mkdtempSync(path.join(tmpdir(), 'harbour-chaos-')), 'db'),
  });
  // Read by testDatabaseUri() when startTestApp connects.
  process.env.HARBOUR_TEST_MONGODB_URI = engine.uri;
  const t = await startTestApp({ name: 'chaos-flaky' });
  try {
    const group = await createGroup();
    const batches = Math.ceil(submits / 500);
    let lost = 0;
    let duplicated = 0;
    const network = { drops: 0, duplicates: 0, retries: 0, confirmations: 0 };
    for (let b = 0; b < batches; b++) {
      const user = await createUser();
      await addMember(user, group, ['member']);
      const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
      const n = Math.min(500, submits - b * 500);
      const run = await flakySubmits(t, agent, group, n, 5000 + b);
      const copies = await countCopies(run.keys);
      lost += copies.lost;
      network.drops += run.drops;
      network.duplicates += run.duplicates;
      network.retries += run.retries;
      network.confirmations += run.confirmations;
      duplicated += copies.duplicated;
      process.stdout.write(
        `flaky batch ${b + 1}/${batches}: ${n} posts, drops ${run.drops}, duplicates ${run.duplicates}, retries ${run.retries}, lost ${copies.lost}, duplicated ${copies.duplicated}\n`,
      );
    }
    if (lost || duplicated)
      failures.push(`flaky submissions: ${lost} lost, ${duplicated} duplicated`);
    process.stdout.write(
      `flaky submissions: ${submits} (drops ${network.drops}, duplicate deliveries ${network.duplicates}, retries ${network.retries}, sent again after a screening nudge ${network.confirmations}), lost ${lost}, duplicated ${duplicated}, ${Math.round((Date.now() - started) / 1000)} s since start\n`,
    );
  } finally {
    await t.close();
    await engine.stop();
  }
  if (failures.length) {
    process.stdout.write(`FAILED:\n${failures.join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write('chaos: all good\n');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
