import mongoose from 'mongoose';
import request from 'supertest';
import { createApp } from '../../server/app';
import { startLocalRedis, type LocalRedis } from '../../server/cluster/redis-server';
import { hardenMongoose } from '../../server/database';
import { createServices } from '../../server/services';
import { createRedisLink, type RedisLink } from '../../server/sockets/redis-adapter';
import { testDatabaseUri } from '../helpers/db';
import { testDeps } from '../helpers/deps';

/**
 * What an operator sees when Redis goes away: /readyz says which dependency is down (so the load
 * balancer stops sending traffic), and the log says it once, without the Redis URL or password.
 */
let redis: LocalRedis;
let link: RedisLink;
const lines: Array<{ level: string; obj: object; msg?: string }> = [];
const log = {
  info: (obj: object, msg?: string) => lines.push({ level: 'info', obj, msg }),
  warn: (obj: object, msg?: string) => lines.push({ level: 'warn', obj, msg }),
};

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('redis-link'));
  redis = await startLocalRedis();
});
afterAll(async () => {
  await link?.close();
  await redis?.stop();
  await mongoose.disconnect();
});

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

it('/readyz reports Redis; losing it answers 503 and is logged once with no URL or secret', async () => {
  link = createRedisLink(redis.url, log);
  const deps = testDeps();
  const app = createApp(deps, createServices(deps), { readiness: { redis: () => link.ready() } });

  await until(() => link.ready());
  await request(app).get('/readyz').expect(200, { ok: true, database: true, redis: true });

  await redis.stop();
  await until(async () => !(await link.ready()));
  await request(app).get('/readyz').expect(503, { ok: false, database: true, redis: false });
  await until(async () => lines.some((l) => l.level === 'warn'));
  // Give the client a few reconnection attempts: still one line per connection.
  await new Promise((r) => setTimeout(r, 1000));
  const warnings = lines.filter((l) => l.level === 'warn');
  expect(warnings.length).toBeLessThanOrEqual(2);
  expect(warnings[0]).toMatchObject({ msg: 'redis connection lost' });
  // Nothing of the URL (which may carry a password) is logged: not even the port.
  expect(JSON.stringify(lines)).not.toContain(String(redis.port));
}, 30_000);
