import request from 'supertest';
import { TEST_PASSWORD, createUser } from '../../helpers/factories';
import { signIn, startTestApp, type TestApp } from '../../helpers/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ name: 'http-security' });
});
afterAll(async () => {
  await t.close();
});

function cspOf(res: request.Response): Record<string, string> {
  const header = String(res.headers['content-security-policy'] ?? '');
  return Object.fromEntries(
    header
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...rest] = d.split(/\s+/);
        return [name ?? '', rest.join(' ')];
      }),
  );
}

/** No inline script, style or event handler: everything must come from our files with the nonce. */
function expectNoInlineCode(html: string, nonce: string): void {
  for (const tag of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
    expect(tag[0]).toMatch(/\ssrc="\/[^"]+"/);
    expect(tag[1]?.trim()).toBe('');
    expect(tag[0]).toContain(`nonce="${nonce}"`);
  }
  expect(html).not.toMatch(/<style\b/i);
  expect(html).not.toMatch(/\sstyle="/i);
  expect(html).not.toMatch(/\son[a-z]+="/i);
  expect(html).not.toMatch(/javascript:/i);
}

describe('security headers', () => {
  it('sends a strict CSP with a fresh nonce on every page and no inline code', async () => {
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const pages = [
      await request(t.baseUrl).get('/'),
      await request(t.baseUrl).get('/login'),
      await request(t.baseUrl).get('/no-such-page'),
      await agent.get('/'),
      await agent.get('/account'),
      await agent.get('/account/two-factor'),
    ];
    const nonces = new Set<string>();
    for (const res of pages) {
      const csp = cspOf(res);
      const nonce = /'nonce-([^']+)'/.exec(csp['script-src'] ?? '')?.[1] ?? '';
      expect(Buffer.from(nonce, 'base64').length).toBeGreaterThanOrEqual(16);
      nonces.add(nonce);
      expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(csp['object-src']).toBe("'none'");
      expect(csp['frame-ancestors']).toBe("'none'");
      expect(csp['base-uri']).toBe("'none'");
      expect(csp['form-action']).toBe("'self'");
      expect(csp['connect-src']).toContain("'self'");
      expect(csp['img-src']).toBe("'self' data:");
      expectNoInlineCode(res.text, nonce);
    }
    expect(nonces.size).toBe(pages.length);
  });

  it('marks everything noindex, hides the framework and sets the other headers', async () => {
    for (const path of ['/', '/login', '/healthz', '/css/app.css', '/missing']) {
      const res = await request(t.baseUrl).get(path);
      expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      // Not HTTPS in tests: no HSTS here (see the production test below).
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('uses an HttpOnly, SameSite=Lax session cookie', async () => {
    const res = await request(t.baseUrl).get('/login');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^harbour\.sid=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });
});

describe('request limits', () => {
  it('answers 413 to a body over 100 kB and 400 to deeply nested JSON', async () => {
    const big = await request(t.baseUrl)
      .post('/login')
      .set('Accept', 'application/json')
      .type('json')
      .send({ email: 'x'.repeat(200_000) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = { a: deep };
    const nested = await request(t.baseUrl)
      .post('/login')
      .set('Accept', 'application/json')
      .type('json')
      .send(JSON.stringify(deep));
    expect(nested.status).toBe(400);
  });
});

describe('operations', () => {
  it('reports health and readiness', async () => {
    await request(t.baseUrl).get('/healthz').expect(200, { ok: true });
    await request(t.baseUrl).get('/readyz').expect(200, { ok: true, database: true });
  });
});

describe('production mode', () => {
  it('sends HSTS and a __Host- Secure cookie', async () => {
    const prod = await startTestApp({
      name: 'http-security-prod',
      env: {
        NODE_ENV: 'production',
        SESSION_SECRET: 'y'.repeat(40),
        PUBLIC_URL: 'https://harbour.example.org',
        TRUST_PROXY: 'loopback',
        BCRYPT_COST: '4',
      },
    });
    try {
      const res = await request(prod.baseUrl)
        .get('/login')
        .set('X-Forwarded-Proto', 'https')
        .set('Host', 'harbour.example.org');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(String(res.headers['set-cookie'])).toMatch(/^__Host-harbour=.*Secure/);
    } finally {
      await new Promise<void>((resolve) => {
        void prod.io.close(() => resolve());
      });
    }
  });
});
