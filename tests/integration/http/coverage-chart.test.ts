import { randomBytes } from 'node:crypto';
import { Post, RotaSlot } from '../../../models';
import { TEST_PASSWORD, addMember, createGroup, createUser } from '../../helpers/factories';
import { enableTotp, signIn, startTestApp, type TestApp } from '../../helpers/test-app';

/** The coverage week view's chart: the same figures as its table, handed over without script. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ name: 'http-coverage-chart' });
});
afterAll(async () => {
  await t.close();
});

interface WeekChart {
  labels: string[];
  covered: number[];
  uncovered: number[];
  arrivals: number[];
}

function chartOf(html: string): WeekChart {
  const raw = /id="coverage-chart" data-chart="([^"]*)"/.exec(html)?.[1];
  if (!raw) throw new Error('no chart data on the page');
  return JSON.parse(
    raw
      .replace(/&#34;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  ) as WeekChart;
}

it('shows covered and uncovered parts of every hour and four weeks of arrivals; the table stays', async () => {
  t.deps.clock.set(new Date('2026-03-06T18:30:00Z')); // Friday 18:30 in Dublin (UTC in March)
  const group = await createGroup(); // business hours Monday–Friday 9:00–17:00 Europe/Dublin
  const mod = await createUser();
  await addMember(mod, group, ['member', 'moderator']);
  // A rota slot on Saturday 10:00–12:30 adds cover on top of business hours.
  await RotaSlot.create({
    group: group._id,
    weekday: 6,
    start: '10:00',
    end: '12:30',
    moderator: mod._id,
    createdBy: mod._id,
  });
  // Arrivals: two on Tuesdays at 14:xx and one on a Sunday at 3:xx within four weeks; one too old.
  for (const at of [
    '2026-02-17T14:10:00Z',
    '2026-03-03T14:50:00Z',
    '2026-03-01T03:20:00Z',
    '2026-01-27T14:10:00Z',
  ]) {
    await Post.create({
      group: group._id,
      author: mod._id,
      body: 'Seeded',
      idempotencyKey: `chart-${randomBytes(6).toString('hex')}`,
      submittedAt: new Date(at),
    });
  }
  const secret = await enableTotp(mod._id);
  const agent = await signIn(t.baseUrl, mod.email, TEST_PASSWORD, {
    secret,
    clock: t.deps.clock,
  });
  const page = await agent.get(`/g/${group.slug}/rota`).expect(200);
  const chart = chartOf(page.text);
  expect(chart.labels).toHaveLength(7 * 24);
  const index = (weekday: number, hour: number) => (weekday - 1) * 24 + hour;
  expect(chart.labels[index(1, 9)]).toBe('Mon 9:00');
  // Monday 9:00 is business hours: fully covered; 8:00 and 17:00 are not.
  expect(chart.covered[index(1, 9)]).toBe(1);
  expect(chart.covered[index(1, 8)]).toBe(0);
  expect(chart.uncovered[index(1, 17)]).toBe(1);
  // Saturday: the rota slot 10:00–12:30 → 10 and 11 covered, half of 12.
  expect(chart.covered.slice(index(6, 9), index(6, 14))).toEqual([0, 1, 1, 0.5, 0]);
  expect(chart.uncovered[index(6, 12)]).toBe(0.5);
  // Arrivals (four weeks): Tuesday 14:00 twice, Sunday 3:00 once; the old one is left out.
  expect(chart.arrivals[index(2, 14)]).toBe(2);
  expect(chart.arrivals[index(7, 3)]).toBe(1);
  expect(chart.arrivals.reduce((a, b) => a + b, 0)).toBe(3);
  // The table remains the accessible source, and every script is a file (strict CSP).
  expect(page.text).toContain('<table class="coverage-grid">');
  expect(page.text).toContain('Tuesday 14:00: covered, 2 posts in four weeks');
  expect(page.text).toContain('<script src="/vendor/chart.umd.js"');
  expect(page.text).toContain('<script src="/js/coverage.js"');
  expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  const script = await agent.get('/js/coverage.js').expect(200);
  expect(script.text).toContain("getElementById('coverage-chart')");
});
