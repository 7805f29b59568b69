import { resolve, sep } from 'node:path';
import mongoose from 'mongoose';
import { generateSync } from 'otplib';
import { ManualClock } from '../clock';
import { loadConfig } from '../config';
import { connectDatabase } from '../database';
import type { Deps } from '../deps';
import { DomainEvents } from '../events';
import { createLogger } from '../logger';
import { createMailer } from '../mail';
import { createServices } from '../services';
import { ensureDefaultDocuments } from '../services/consent';
import { seedDemo } from './seed';

/**
 * `npm run demo`: wipes and rebuilds the DEMO database only, then prints how to sign in.
 * Allowed targets: the embedded engine under a data folder named for the demo (default
 * ./data/demo), or a MONGODB_URI whose database is `harbour-demo`. Anything else is refused, so
 * the default ./data (or a real deployment) can never be reset by accident.
 */
export const DEMO_DATA_DIR = './data/demo';
export const DEMO_DB_NAME = 'harbour-demo';

export function demoTargetProblem(env: NodeJS.ProcessEnv): string | null {
  if (env.MONGODB_URI) {
    const name = new URL(env.MONGODB_URI.replace(/^mongodb(\+srv)?:/, 'http:')).pathname.slice(1);
    return name === DEMO_DB_NAME
      ? null
      : `MONGODB_URI must name the database "${DEMO_DB_NAME}" for the demo (it names "${name || 'none'}").`;
  }
  const dir = resolve(env.DATA_DIR ?? DEMO_DATA_DIR);
  const last = dir.split(sep).pop() ?? '';
  return /demo/i.test(last)
    ? null
    : `DATA_DIR must be a folder whose name contains "demo" (got ${dir}). The default is ${DEMO_DATA_DIR}.`;
}

/** Resets the demo database and fills it; the connection stays open for the caller. */
export async function buildDemo(env: NodeJS.ProcessEnv = process.env) {
  const problem = demoTargetProblem(env);
  if (problem) throw new Error(`Refusing to reset: ${problem}`);
  const config = loadConfig({
    ...env,
    DATA_DIR: env.MONGODB_URI ? env.DATA_DIR : (env.DATA_DIR ?? DEMO_DATA_DIR),
    LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
  });
  const log = createLogger(config);
  const database = await connectDatabase({
    mongodbUri: config.mongodbUri,
    dataDir: config.dataDir,
    log,
  });
  await mongoose.connection.dropDatabase();
  await Promise.all(Object.values(mongoose.models).map((m) => m.init()));
  const clock = new ManualClock();
  const deps: Deps = {
    config,
    clock,
    log,
    events: new DomainEvents(),
    mailer: createMailer(config, clock, log),
  };
  await ensureDefaultDocuments(deps);
  const result = await seedDemo(createServices(deps), clock, new Date());
  return { result, config, log, database };
}

async function main(): Promise<void> {
  const problem = demoTargetProblem(process.env);
  if (problem) {
    process.stderr.write(`Refusing to reset: ${problem}\n`);
    process.exit(2);
  }
  const { result, config, database } = await buildDemo(process.env);
  await database.close();

  const now = Math.floor(Date.now() / 1000);
  const lines = [
    '',
    `Demo ready: ${result.counts.members} people, ${result.counts.approved} approved posts, ${result.counts.pending} waiting for review (screening kinds: ${result.pendingKinds.join(', ')}), ${result.counts.rejected} not published.`,
    `Reports: ${result.counts.reports} reports on one published post, in the moderators' Reports tab.`,
    '',
    `Start it:  npm run demo:start   then open ${config.publicUrl}/g/${result.groupSlug}/conversation`,
    '',
    'Sign in (every demo account uses the same password):',
    '',
  ];
  for (const a of result.accounts) {
    lines.push(`  ${a.role.padEnd(14)} ${a.email.padEnd(36)} password: ${a.password}`);
    if (a.totpSecret) {
      const label = encodeURIComponent(`Harbour demo:${a.email}`);
      lines.push(
        `  ${''.padEnd(14)} second factor secret ${a.totpSecret} (code right now: ${generateSync({ secret: a.totpSecret, epoch: now })})`,
      );
      lines.push(
        `  ${''.padEnd(14)} otpauth://totp/${label}?secret=${a.totpSecret}&issuer=Harbour%20demo`,
      );
    }
  }
  lines.push(
    '',
    'Codes change every 30 seconds: add the secret to an authenticator app, or print a fresh code with',
    '  npx tsx -e "console.log(require(\'otplib\').generateSync({ secret: process.argv[1] }))" <secret>',
    '',
  );
  process.stdout.write(lines.join('\n'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`Demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
