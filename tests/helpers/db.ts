import { randomBytes } from 'node:crypto';

/**
 * A URI for a database of its own for one test file, in the engine started by global-setup.
 * `name` is a readable prefix (e.g. the file's topic); a random suffix keeps files apart.
 */
export function testDatabaseUri(name: string): string {
  const base = process.env.HARBOUR_TEST_MONGODB_URI;
  if (base === undefined)
    throw new Error('HARBOUR_TEST_MONGODB_URI is not set: run tests through jest (global-setup)');
  const safe = name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${base}/${safe}_${randomBytes(4).toString('hex')}`;
}
