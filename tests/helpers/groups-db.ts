import mongoose from 'mongoose';
import { testDatabaseUri } from './db';

/**
 * Connects this test file to its own database with the production query settings, and makes sure
 * every index (the unique ones carry correctness: audit seq, invitation token, membership) exists.
 */
export async function connectGroupsDb(name: string): Promise<void> {
  mongoose.set('sanitizeFilter', true);
  mongoose.set('strictQuery', true);
  await mongoose.connect(testDatabaseUri(name));
  await Promise.all(Object.values(mongoose.models).map((m) => m.init()));
}

export async function disconnectGroupsDb(): Promise<void> {
  await mongoose.disconnect();
}
