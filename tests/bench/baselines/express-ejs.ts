/**
 * Baseline for scenario A: bare Express 5 + EJS rendering the same page from memory (no session,
 * no policy, no database). The thread list, which is most of the page, is rendered by Harbour's
 * own partial (views/pages/conversation/_threads.ejs) from Harbour's JSON for that page
 * (BENCH_POSTS_FILE); the page around it is cut from Harbour's answer (BENCH_PAGE_FILE).
 *
 * It refuses to start unless what it renders is Harbour's page, byte for byte, apart from the
 * values that are new on every request (form tokens, idempotency keys): a baseline that renders
 * less than Harbour would flatter itself.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import express from 'express';
import { REACTION_KINDS } from '../../../models/post';
import { attachBenchStats } from '../../../server/bench-stats';
import { partialRenderer } from '../../../server/http/partials';
import { en } from '../../../server/i18n/en';
import { formatLocal } from '../../../server/services/business-hours';

const data = JSON.parse(readFileSync(String(process.env.BENCH_POSTS_FILE), 'utf8')) as {
  threads: unknown[];
  myReactions: Record<string, string[]>;
  slug: string;
};
const page = readFileSync(String(process.env.BENCH_PAGE_FILE), 'utf8');

const attribute = (name: string): string => {
  const m = new RegExp(`${name}="([^"]*)"`).exec(page);
  if (!m) throw new Error(`baseline: Harbour's page has no ${name}`);
  return m[1] as string;
};

const partial = partialRenderer(join(__dirname, '..', '..', '..', 'views'), true);
const locals = {
  partial,
  page: {
    group: { slug: data.slug },
    threads: data.threads,
    myReactions: data.myReactions,
    lastReadSeq: Number(attribute('data-last-read-seq')),
    canParticipate: attribute('data-can-participate') === '1',
    isModerator: false,
  },
  t: en,
  reactionKinds: REACTION_KINDS,
  // The benchmark's group keeps UTC (tests/bench/lib/seed.ts).
  when: (iso: string) => formatLocal(new Date(iso), 'UTC'),
  csrfToken: attribute('name="_csrf" value'),
  replyKey: () => randomUUID().replace(/-/g, ''),
  pinned: null,
  orgVoice: false,
};
const threads = (): string => partial('pages/conversation/_threads', locals);

// Harbour's page around its thread list.
const first = threads();
const start = page.indexOf('<ol class="threads"');
const end = start + first.length;
const perRequest = (html: string) =>
  html.replace(/name="idempotencyKey" value="[0-9a-f]{32}"/g, '');
if (start < 0 || perRequest(page.slice(start, end)) !== perRequest(first)) {
  console.error("baseline: the rendered thread list is not the one in Harbour's page");
  process.exit(1);
}
const head = page.slice(0, start);
const foot = page.slice(end);

const app = express();
app.get('/page', (_req, res) => {
  res.type('html').send(head + threads() + foot);
});
const server = http.createServer(app);
attachBenchStats(() => 0);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
