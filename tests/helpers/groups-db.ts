import mongoose from 'mongoose';
import { testDatabaseUri } from './db';

/**
 * Connects this test file to its own database with the production query settings
 * (server/database/index.ts: sanitizeFilter, strictQuery 'throw'), and makes sure every index
 * exists first (the unique ones carry correctness: audit seq, invitation token, membership).
 * `sanitizeFilter: false` only for suites that drive code not yet written for it.
 */
export async function connectGroupsDb(
  name: string,
  options: { sanitizeFilter?: boolean } = {},
): Promise<void> {
  mongoose.set('sanitizeFilter', options.sanitizeFilter ?? true);
  mongoose.set('strictQuery', 'throw');
  await mongoose.connect(testDatabaseUri(name));
  await Promise.all(Object.values(mongoose.models).map((m) => m.init()));
}

export async function disconnectGroupsDb(): Promise<void> {
  await mongoose.disconnect();
}
