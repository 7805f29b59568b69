/**
 * Baseline for scenario A: bare Express 5 + EJS rendering the same 50 posts from memory (no
 * session, no policy, no database), through Harbour's own post partial (views/pages/conversation/
 * _post.ejs), so each post's markup is the same. The threads (Harbour's JSON for that page) come
 * in BENCH_POSTS_FILE; the page around them is cut from Harbour's answer (BENCH_PAGE_FILE).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import ejs from 'ejs';
import express from 'express';
import { REACTION_KINDS } from '../../../models/post';
import { attachBenchStats } from '../../../server/bench-stats';
import { en } from '../../../server/i18n/en';
import { formatLocal } from '../../../server/services/business-hours';

interface Thread {
  post: { id: string };
  replies: Array<{ id: string }>;
}

const data = JSON.parse(readFileSync(String(process.env.BENCH_POSTS_FILE), 'utf8')) as {
  threads: Thread[];
  slug: string;
};
const page = readFileSync(String(process.env.BENCH_PAGE_FILE), 'utf8');
// Harbour's page around its thread list.
const start = page.indexOf('<ol class="threads"');
const end = page.lastIndexOf('</article>');
const head = start > 0 ? page.slice(0, start) : '';
const foot = end > 0 ? page.slice(end + '</article>'.length) : '';

const views = join(__dirname, '..', '..', '..', 'views', 'pages', 'conversation');
const template = `<%- head %><ol class="threads" id="threads"><% threads.forEach(function (thread) { %>
<li class="thread" id="thread-<%= thread.post.id %>" data-id="<%= thread.post.id %>">
<%- include('_post', { post: thread.post, unread: false }) %>
<ol class="replies" id="replies-<%= thread.post.id %>"><% thread.replies.forEach(function (reply) { %>
<li><%- include('_post', { post: reply, unread: false }) %></li><% }) %></ol></li><% }) %></ol><%- foot %>`;
const render = ejs.compile(template, { filename: join(views, 'baseline.ejs'), cache: true });
const locals = {
  head,
  foot,
  threads: data.threads,
  page: { group: { slug: data.slug }, myReactions: {}, canParticipate: true },
  reactionKinds: REACTION_KINDS,
  when: (iso: string) => formatLocal(new Date(iso), 'UTC'),
  t: en,
  csrfToken: 'x'.repeat(43),
};

const app = express();
app.get('/page', (_req, res) => {
  res.type('html').send(render(locals));
});
const server = http.createServer(app);
attachBenchStats(() => 0);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
