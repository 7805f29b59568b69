import mongoose from 'mongoose';
import { testDatabaseUri } from './db';

/**
 * Connects this test file to its own database with the production query settings
 * (server/database/index.ts: sanitizeFilter, strictQuery 'throw'), and makes sure every index
 * exists first (the unique ones carry correctness: audit seq, invitation token, membership).
 */
export async function connectGroupsDb(name: string): Promise<void> {
  mongoose.set('sanitizeFilter', true);
  mongoose.set('strictQuery', 'throw');
  await mongoose.connect(testDatabaseUri(name));
  await Promise.all(Object.values(mongoose.models).map((m) => m.init()));
}

export async function disconnectGroupsDb(): Promise<void> {
  await mongoose.disconnect();
}
