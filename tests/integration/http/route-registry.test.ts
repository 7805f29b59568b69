import request from 'supertest';
import { allRoutes } from '../../../server/http/routes';
import { TEST_PASSWORD, createUser } from '../../helpers/factories';
import { signIn, startTestApp, type TestApp } from '../../helpers/test-app';

/**
 * Checks every route in the registry (the areas' routes included, once merged): state-changing
 * routes refuse requests without a CSRF token, signed-in routes refuse visitors, admin routes are
 * invisible (404) to members.
 */
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ name: 'http-route-registry' });
});
afterAll(async () => {
  await t.close();
});

function concrete(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, 'x$1');
}

describe('every registered route', () => {
  it('refuses a state-changing request without a CSRF token', async () => {
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const unsafe = allRoutes.filter((r) => r.method !== 'get');
    expect(unsafe.length).toBeGreaterThan(0);
    for (const route of unsafe) {
      const res = await agent[route.method](concrete(route.path)).type('form').send({});
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 403,
      });
    }
  });

  it('refuses visitors on signed-in routes and hides admin routes from members', async () => {
    const user = await createUser();
    const member = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    for (const route of allRoutes.filter((r) => r.method === 'get' && r.access !== 'public')) {
      const path = concrete(route.path);
      const visitor = await request(t.baseUrl).get(path);
      expect({ path, status: visitor.status }).toEqual({
        path,
        status: route.kind === 'page' ? 303 : 401,
      });
      if (route.kind === 'page') expect(visitor.headers.location).toBe('/login');
      if (route.access === 'admin') {
        expect({ path, status: (await member.get(path)).status }).toEqual({ path, status: 404 });
      }
    }
  });
});
