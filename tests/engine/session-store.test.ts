import MongoStore from 'connect-mongo';
import type { SessionData } from 'express-session';
import { testDatabaseUri } from '../helpers/db';

type Stored = SessionData & { userId?: string };

function call<T>(fn: (cb: (err: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) =>
    fn((err, value) => (err ? reject(err as Error) : resolve(value))),
  );
}

describe('sessions stored in the embedded engine (connect-mongo)', () => {
  let store: MongoStore<Stored>;
  beforeAll(() => {
    store = MongoStore.create<Stored>({ mongoUrl: testDatabaseUri('sessions'), ttl: 3600 });
  });
  afterAll(async () => {
    await store.close();
  });

  const session = (userId: string): Stored => ({
    cookie: {
      originalMaxAge: 3_600_000,
      expires: new Date(Date.now() + 3_600_000),
    } as Stored['cookie'],
    userId,
  });

  it('keeps a signed-in session until it is destroyed', async () => {
    await call((cb) => store.set('sid-1', session('u1'), cb));
    expect(await call<Stored | null>((cb) => store.get('sid-1', cb))).toMatchObject({
      userId: 'u1',
    });

    await call((cb) => store.set('sid-1', session('u2'), cb));
    expect(await call<Stored | null>((cb) => store.get('sid-1', cb))).toMatchObject({
      userId: 'u2',
    });
    await call((cb) => store.touch('sid-1', session('u2'), cb));

    await call((cb) => store.destroy('sid-1', cb));
    expect(await call<Stored | null>((cb) => store.get('sid-1', cb))).toBeFalsy();
  });

  it('does not return an expired session', async () => {
    const expired = session('u3');
    expired.cookie.expires = new Date(Date.now() - 1000);
    await call((cb) => store.set('sid-2', expired, cb));
    expect(await call<Stored | null>((cb) => store.get('sid-2', cb))).toBeFalsy();
  });
});
