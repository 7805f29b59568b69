import { Group, type GroupDoc, type UserDoc } from '../../../models';
import {
  TEST_PASSWORD,
  actorFor,
  addMember,
  createGroup,
  createUser,
} from '../../helpers/factories';
import { enableTotp, signIn, startTestApp, type TestApp } from '../../helpers/test-app';

/**
 * The toolkit's pages over HTTP, on a seeded data set whose every step happens at a known time
 * (ManualClock): the journal and insights must show exactly what the test made happen, the CSV
 * must download, the pages must answer 404 to members, and no figure may name a member.
 */
let t: TestApp;
let seq = 0;
const key = () => `http-moderation-${Date.now()}-${(seq += 1)}`;
const at = (iso: string) => t.deps.clock.set(new Date(iso));

beforeAll(async () => {
  t = await startTestApp({ name: 'http-moderation' });
});
afterAll(async () => {
  await t.close();
});

interface World {
  group: GroupDoc;
  mod: UserDoc;
  mod2: UserDoc;
  authors: UserDoc[];
  reader: UserDoc;
  admin: UserDoc;
  ids: Record<string, string>;
}

async function seed(): Promise<World> {
  at('2026-03-02T09:00:00Z');
  const group = await createGroup();
  const mod = await createUser();
  const mod2 = await createUser();
  const reader = await createUser();
  const admin = await createUser({ siteRole: 'admin' });
  await addMember(mod, group, ['member', 'moderator']);
  await addMember(mod2, group, ['member', 'moderator']);
  await addMember(reader, group);
  const authors: UserDoc[] = [];
  for (let i = 0; i < 3; i += 1) {
    const u = await createUser();
    await addMember(u, group);
    authors.push(u);
  }
  const M = actorFor(mod);
  const ids: Record<string, string> = {};
  const submit = async (name: string, who: UserDoc, body: string) => {
    const r = await t.services.posts.submitPost(actorFor(who), {
      group: group.slug,
      body,
      idempotencyKey: key(),
      acknowledgedFindings: true,
    });
    if (r.status !== 'stored') throw new Error('not stored');
    ids[name] = r.post.id;
    return r.post.version;
  };
  // Monday 2 March (Dublin = UTC in March; review hours Mon–Fri 09:00–17:00).
  at('2026-03-02T10:00:00Z');
  await submit('A', authors[0]!, 'Post A about the garden');
  await submit('B', authors[1]!, 'Post B about the parking');
  await submit('C', authors[2]!, 'Post C that is unkind');
  at('2026-03-02T10:10:00Z');
  const a = await t.services.reviews.approvePost(M, { postId: ids.A!, version: 1 });
  at('2026-03-02T10:20:00Z');
  await t.services.reviews.approvePost(M, { postId: ids.B!, version: 1 });
  at('2026-03-02T10:40:00Z');
  await t.services.reviews.rejectPost(M, { postId: ids.C!, version: 1, ruleId: 'r-kind' });
  at('2026-03-02T10:45:00Z');
  await t.services.moderation.hidePost(M, {
    postId: ids.A!,
    version: a.version,
    ruleId: 'r-profanity',
  });
  at('2026-03-02T10:50:00Z');
  await t.services.reports.reportPost(actorFor(reader), { postId: ids.B!, ruleId: 'r-kind' });
  at('2026-03-02T11:00:00Z');
  await t.services.reports.dismissReports(M, { postId: ids.B! });
  at('2026-03-02T11:05:00Z');
  await t.services.sanctions.sanctionMember(M, group.slug, {
    userId: String(authors[2]!._id),
    kind: 'mute',
    duration: '24h',
    ruleId: 'r-kind',
  });
  at('2026-03-02T20:00:00Z'); // outside review hours
  await submit('D', authors[0]!, 'Post D written in the evening');
  // Tuesday 3 March.
  at('2026-03-03T09:30:00Z');
  await t.services.reviews.approvePost(M, { postId: ids.D!, version: 1 });
  at('2026-03-03T12:00:00Z');
  await submit('E', authors[0]!, 'I just want to end it all tonight');
  at('2026-03-03T12:03:00Z');
  await t.services.reviews.approvePost(M, { postId: ids.E!, version: 1 });
  at('2026-03-03T12:10:00Z');
  return { group, mod, mod2, authors, reader, admin, ids };
}

let w: World;
let modAgent: Awaited<ReturnType<typeof signIn>>;
let memberAgent: Awaited<ReturnType<typeof signIn>>;
let adminAgent: Awaited<ReturnType<typeof signIn>>;

beforeAll(async () => {
  w = await seed();
  const secret = await enableTotp(w.mod._id);
  modAgent = await signIn(t.baseUrl, w.mod.email, TEST_PASSWORD, { secret, clock: t.deps.clock });
  memberAgent = await signIn(t.baseUrl, w.reader.email, TEST_PASSWORD);
  const adminSecret = await enableTotp(w.admin._id);
  adminAgent = await signIn(t.baseUrl, w.admin.email, TEST_PASSWORD, {
    secret: adminSecret,
    clock: t.deps.clock,
  });
});

function figure(html: string, name: string): number {
  const m = new RegExp(`data-figure="${name}">(\\d+)<`).exec(html);
  if (!m) throw new Error(`no figure ${name}`);
  return Number(m[1]);
}

describe('daily journal', () => {
  it('shows what happened that day, by rule, with urgent items and notes', async () => {
    const day1 = await modAgent.get(`/g/${w.group.slug}/journal?day=2026-03-02`).expect(200);
    expect({
      submitted: figure(day1.text, 'submitted'),
      approved: figure(day1.text, 'approved'),
      rejected: figure(day1.text, 'rejected'),
      hidden: figure(day1.text, 'hidden'),
      reportsReceived: figure(day1.text, 'reportsReceived'),
      reportsHandled: figure(day1.text, 'reportsHandled'),
    }).toEqual({
      submitted: 4,
      approved: 2,
      rejected: 1,
      hidden: 1,
      reportsReceived: 1,
      reportsHandled: 1,
    });
    expect(day1.text).toContain('— Be kind');
    expect(day1.text).toContain('— No profanity');
    // Journal figures never carry post bodies.
    expect(day1.text).not.toContain('Post C that is unkind');

    const day2 = await t.services.journal.journalDay(actorFor(w.mod), {
      group: w.group.slug,
      day: '2026-03-03',
    });
    expect(day2).toMatchObject({ submitted: 1, approved: 2, rejected: 0, hidden: 0 });
    expect(day2.urgent).toEqual([
      expect.objectContaining({ postId: w.ids.E, kind: 'crisis', handledMinutes: 3 }),
    ]);

    const page = await modAgent.get(`/g/${w.group.slug}/journal?day=2026-03-02`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    await modAgent
      .post(`/g/${w.group.slug}/journal/notes`)
      .type('form')
      .send({ _csrf: csrf, day: '2026-03-02', body: '=Quiet morning, one report, dismissed' })
      .expect(303);
    const withNote = await modAgent.get(`/g/${w.group.slug}/journal?day=2026-03-02`).expect(200);
    expect(withNote.text).toContain('=Quiet morning, one report, dismissed');

    // Members cannot see it at all.
    await memberAgent.get(`/g/${w.group.slug}/journal`).expect(404);
    await memberAgent.get(`/g/${w.group.slug}/journal.csv`).expect(404);
  });

  it('downloads as CSV with the same figures (and notes made harmless for spreadsheets)', async () => {
    const res = await modAgent.get(`/g/${w.group.slug}/journal.csv?day=2026-03-02`).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="journal-${w.group.slug}-2026-03-02.csv"`,
    );
    const rows = res.text.trim().split('\r\n');
    expect(rows[0]).toBe('section,item,value');
    expect(rows).toEqual(
      expect.arrayContaining([
        'day,date,2026-03-02',
        'posts,submitted,4',
        'posts,approved,2',
        'posts,rejected,1',
        'rejected_by_rule,Be kind,1',
        'posts,hidden,1',
        'hidden_by_rule,No profanity,1',
        'reports,received,1',
        'reports,handled,1',
        'sanctions,member.muted,1',
        'sanctions,member.suspended,0',
      ]),
    );
    expect(rows.find((r) => r.startsWith('note,'))).toMatch(
      /,"'=Quiet morning, one report, dismissed"$/,
    );
  });
});

describe('insights', () => {
  it('aggregates the seeded data correctly, and never per member', async () => {
    const ins = await t.services.insights.groupInsights(actorFor(w.mod), {
      group: w.group.slug,
      days: 7,
    });
    expect([ins.from, ins.to]).toEqual(['2026-02-25', '2026-03-03']);
    expect(ins.daily).toHaveLength(7);
    const byDay = Object.fromEntries(ins.daily.map((d) => [d.day, d]));
    expect(byDay['2026-03-02']).toEqual({
      day: '2026-03-02',
      activeMembers: 3,
      submitted: 4,
      published: 2,
      reports: 1,
      sanctions: 1,
    });
    // One person posted on Tuesday: withheld, so the chart cannot point at them.
    expect(byDay['2026-03-03']).toEqual({
      day: '2026-03-03',
      activeMembers: null,
      submitted: 1,
      published: 2,
      reports: 0,
      sanctions: 0,
    });
    // Inside review hours: 10, 20, 40 and 3 minutes; outside: 13 h 30 min.
    expect(ins.waiting).toEqual({
      inside: { samples: 4, median: 15, p90: 40 },
      outside: { samples: 1, median: 810, p90: 810 },
    });
    expect(ins.decisionsByRule).toEqual([
      { title: 'Be kind', count: 1 },
      { title: 'No profanity', count: 1 },
    ]);
    expect(ins.target).toEqual({ met: 3, total: 4, share: 75, minutes: 30 });

    const json = JSON.stringify(ins);
    for (const u of [...w.authors, w.reader, w.mod]) {
      expect(json).not.toContain(String(u._id));
      expect(json).not.toContain(u.displayName);
    }
  });

  it('the dashboard shows a table beside every chart, serves Chart.js itself, and is staff-only', async () => {
    const page = await modAgent.get(`/g/${w.group.slug}/insights?days=7`).expect(200);
    expect(page.text).toContain('id="table-daily"');
    expect(page.text).toContain('id="table-waiting"');
    expect(page.text).toContain('id="table-rules"');
    expect(page.text).toContain('fewer than 3');
    expect(page.text).toContain('75% decided within 30 minutes');
    expect(page.text).toContain('src="/vendor/chart.umd.js"');
    expect(page.text).not.toMatch(/https?:\/\/cdn/);
    const js = await modAgent.get('/vendor/chart.umd.js').expect(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.text.length).toBeGreaterThan(100_000);

    await memberAgent.get(`/g/${w.group.slug}/insights`).expect(404);
    await memberAgent.get('/admin/insights').expect(404);
    const admin = await adminAgent.get(`/admin/insights?group=${w.group.slug}&days=7`).expect(200);
    expect(admin.text).toContain('75% decided within 30 minutes');
    await adminAgent.get('/admin/insights').expect(200);
  });
});

describe('toolkit pages', () => {
  it('every moderator page renders for a moderator and answers 404 to a member', async () => {
    const s = w.group.slug;
    const pages = [
      `/g/${s}/reports`,
      `/g/${s}/posts/${w.ids.A}/moderate`,
      `/g/${s}/sanctions`,
      `/g/${s}/sanctions/${String(w.authors[1]!._id)}`,
      `/g/${s}/appeals`,
      `/g/${s}/handbook`,
      `/g/${s}/audit`,
      `/g/${s}/journal`,
      `/g/${s}/insights`,
    ];
    for (const path of pages) {
      const res = await modAgent.get(path);
      expect([path, res.status]).toEqual([path, 200]);
      const member = await memberAgent.get(path);
      expect([path, member.status]).toEqual([path, 404]);
    }
    await adminAgent.get('/admin/audit/browse').expect(200);
    await memberAgent.get('/me/decisions').expect(200);
  });

  it('the handbook: default plan and privacy statement, saved replies offered in the queue and hide forms', async () => {
    const s = w.group.slug;
    const handbook = await modAgent.get(`/g/${s}/handbook`).expect(200);
    expect(handbook.text).toContain('Never confirm or deny that someone is, or was, a patient');
    expect(handbook.text).toContain('Threats of violence go to the police');
    expect(handbook.text).toContain('We cannot discuss anyone’s care');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(handbook.text)?.[1] ?? '';
    await modAgent
      .post(`/g/${s}/handbook/replies`)
      .type('form')
      .send({
        _csrf: csrf,
        title: 'Ask your team',
        body: 'Please ask your own care team about this.',
      })
      .expect(303);
    await t.services.posts.submitPost(actorFor(w.authors[1]!), {
      group: s,
      body: 'Waiting for review',
      idempotencyKey: key(),
      acknowledgedFindings: true,
    });
    const queue = await modAgent.get(`/g/${s}/queue`).expect(200);
    expect(queue.text).toContain(
      '<option value="Please ask your own care team about this.">Ask your team</option>',
    );
    expect(queue.text).toContain('We cannot discuss anyone’s care');
    const moderate = await modAgent.get(`/g/${s}/posts/${w.ids.B}/moderate`).expect(200);
    expect(moderate.text).toContain('Ask your team');
    // The form says that a merely negative post cannot be hidden.
    expect(moderate.text).toContain('only negative or critical of the service cannot be hidden');

    // Without a rule, the hide form says why and nothing is hidden.
    await modAgent
      .post(`/g/${s}/posts/${w.ids.B}/hide`)
      .type('form')
      .send({ _csrf: csrf, version: 2 })
      .expect(303);
    const back = await modAgent.get(`/g/${s}/posts/${w.ids.B}/moderate`).expect(200);
    expect(back.text).toContain('A merely negative or critical post cannot be hidden');
    expect(back.text).toContain('Hide post');

    // A group's own statement replaces the default.
    await Group.updateOne({ _id: w.group._id }, { $set: { privacyStatement: 'Our own words.' } });
    expect((await modAgent.get(`/g/${s}/handbook`)).text).toContain('Our own words.');
  });

  it('the report form: a member reports with a rule; the author is never told who', async () => {
    const s = w.group.slug;
    const form = await memberAgent.get(`/g/${s}/posts/${w.ids.D}/report`).expect(200);
    expect(form.text).toContain('Post D written in the evening');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
    await memberAgent
      .post(`/g/${s}/posts/${w.ids.D}/report`)
      .type('form')
      .send({ _csrf: csrf, ruleId: 'r-kind', note: 'It upset me' })
      .expect(303);
    const reports = await modAgent.get(`/g/${s}/reports`).expect(200);
    expect(reports.text).toContain('Post D written in the evening');
    expect(reports.text).toContain('It upset me');
    expect(reports.text).not.toContain(w.reader.displayName);
    // A hidden or pending post cannot be reported.
    await memberAgent.get(`/g/${s}/posts/${w.ids.A}/report`).expect(404);
  });
});
