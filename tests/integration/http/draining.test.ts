import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../../server/app';
import { createServices } from '../../../server/services';
import { testDeps } from '../../helpers/deps';
import { connectGroupsDb, disconnectGroupsDb } from '../../helpers/groups-db';

/** While shutting down (server/shutdown.ts), the app tells load balancers and clients so. */
const deps = testDeps();
let draining = false;
let app: Express;

beforeAll(async () => {
  await connectGroupsDb('http-draining');
  app = createApp(deps, createServices(deps), { draining: () => draining });
});
afterAll(disconnectGroupsDb);

it('answers /readyz 503 and closes every connection after its answer while draining', async () => {
  const before = await request(app).get('/readyz');
  expect(before.status).toBe(200);

  draining = true;
  const ready = await request(app).get('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body).toEqual({ ok: false, draining: true });
  // Pages are still served in full, each one ending its keep-alive connection.
  const page = await request(app).get('/login');
  expect(page.status).toBe(200);
  expect(page.headers.connection).toBe('close');
});
