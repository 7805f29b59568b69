/**
 * Baseline for scenario A: bare Express 5 + EJS rendering a page of the same 50 posts from memory
 * (no session, no policy, no database). The posts arrive as JSON in BENCH_POSTS_FILE; the page
 * wraps them in the head and foot of Harbour's own page (BENCH_PAGE_FILE) so both answers are
 * about the same size.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import ejs from 'ejs';
import express from 'express';
import { attachBenchStats } from '../../../server/bench-stats';

interface BenchPost {
  id: string;
  author: string;
  body: string;
  at: string;
  replies: Array<{ id: string; author: string; body: string; at: string }>;
}

const posts = JSON.parse(readFileSync(String(process.env.BENCH_POSTS_FILE), 'utf8')) as BenchPost[];
const page = readFileSync(String(process.env.BENCH_PAGE_FILE), 'utf8');
// Harbour's page around its thread list: everything before the first thread and after the last.
const start = page.indexOf('<article');
const end = page.lastIndexOf('</article>');
const head = start > 0 ? page.slice(0, start) : page;
const foot = end > 0 ? page.slice(end + '</article>'.length) : '';

const template = `<%- head %><% for (const p of posts) { %><article class="post" id="p-<%= p.id %>">
<p class="post__meta"><span class="post__author"><%= p.author %></span> <time datetime="<%= p.at %>"><%= p.at %></time></p>
<div class="post__body"><%= p.body %></div>
<ol class="replies"><% for (const r of p.replies) { %><li><article class="post post--reply" id="p-<%= r.id %>">
<p class="post__meta"><span class="post__author"><%= r.author %></span> <time datetime="<%= r.at %>"><%= r.at %></time></p>
<div class="post__body"><%= r.body %></div></article></li><% } %></ol>
</article><% } %><%- foot %>`;

const app = express();
const render = ejs.compile(template);
app.get('/page', (_req, res) => {
  res.type('html').send(render({ head, foot, posts }));
});
const server = http.createServer(app);
attachBenchStats(() => 0);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
