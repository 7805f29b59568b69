import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { errorHandler } from '../../../server/http/error-handler';
import { readAdmission } from '../../../server/http/middleware/admission';

/** A test server whose reads wait at a gate the test opens, and whose handlers record starts. */
function harness(limit: number, maxWaiting?: number) {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const gate = (name: string) => new Promise<void>((open) => gates.set(name, open));
  const app = express();
  app.use(readAdmission(limit, maxWaiting));
  app.get('/wait/:name', async (req, res) => {
    started.push(req.params.name);
    await gate(req.params.name);
    res.send(`done ${req.params.name}`);
  });
  app.get('/now', (_req, res) => {
    res.send('now');
  });
  // Headers and a first part at once, the rest when the gate opens (a slow download).
  app.get('/stream', async (_req, res) => {
    started.push('stream');
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('first part ');
    await gate('stream');
    res.end('rest');
  });
  app.post('/write', (_req, res) => {
    res.send('written');
  });
  app.use(errorHandler(pino({ level: 'silent' })));
  const server = http.createServer(app);
  const agent = new http.Agent({ keepAlive: false, maxSockets: 2000 });
  const ready = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );

  async function get(path: string, signal?: AbortSignal, method = 'GET') {
    const base = await ready;
    return new Promise<{ status: number; body: string; retryAfter?: string }>((resolve, reject) => {
      const req = http.request(
        `${base}${path}`,
        { method, agent, signal, headers: { Accept: 'application/json' } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body,
              retryAfter: res.headers['retry-after'] as string | undefined,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** Waits until the handlers have started `count` reads in all. */
  async function startedCount(count: number) {
    for (let i = 0; i < 200 && started.length < count; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    return [...started];
  }
  const open = (name: string) => gates.get(name)?.();
  const close = () =>
    new Promise<void>((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  /** A request's arrival, before the next one is sent (so the order is known). */
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { get, started, startedCount, open, close, settle };
}

describe('reads worked on at once (admission)', () => {
  it('works on at most the limit, and starts the others in their order of arrival', async () => {
    const h = harness(2);
    const answers = ['a', 'b', 'c', 'd'].map((n) => h.get(`/wait/${n}`));
    expect(await h.startedCount(2)).toEqual(['a', 'b']);
    await h.settle();
    expect(h.started).toEqual(['a', 'b']);
    h.open('b');
    expect(await h.startedCount(3)).toEqual(['a', 'b', 'c']);
    h.open('a');
    expect(await h.startedCount(4)).toEqual(['a', 'b', 'c', 'd']);
    h.open('c');
    h.open('d');
    expect((await Promise.all(answers)).map((r) => r.body)).toEqual([
      'done a',
      'done b',
      'done c',
      'done d',
    ]);
    await h.close();
  });

  it('never holds back a write', async () => {
    const h = harness(1);
    const busy = h.get('/wait/a');
    await h.startedCount(1);
    const write = await h.get('/write', undefined, 'POST');
    expect(write).toMatchObject({ status: 200, body: 'written' });
    h.open('a');
    await busy;
    await h.close();
  });

  it('skips a reader who left while waiting, and loses no place', async () => {
    const h = harness(1);
    const first = h.get('/wait/a');
    await h.startedCount(1);
    const leaving = new AbortController();
    const left = h.get('/wait/gone', leaving.signal).catch((e: Error) => e.name);
    await h.settle();
    const next = h.get('/wait/c');
    await h.settle();
    leaving.abort();
    expect(await left).toBe('AbortError');
    await h.settle();
    h.open('a');
    expect(await h.startedCount(2)).toEqual(['a', 'c']);
    h.open('c');
    expect((await first).body).toBe('done a');
    expect((await next).body).toBe('done c');
    // The places are all free again.
    expect((await h.get('/now')).body).toBe('now');
    expect(h.started).not.toContain('gone');
    await h.close();
  });

  it('frees the place once the answer has started, not when a slow client has all of it', async () => {
    const h = harness(1);
    const slow = h.get('/stream');
    await h.startedCount(1);
    expect(await h.get('/now')).toMatchObject({ status: 200, body: 'now' });
    h.open('stream');
    expect((await slow).body).toBe('first part rest');
    await h.close();
  });

  it('answers 503 with Retry-After and plain words when too many are waiting', async () => {
    const h = harness(1, 1);
    const first = h.get('/wait/a');
    await h.startedCount(1);
    const waiting = h.get('/wait/b');
    await h.settle();
    const refused = await h.get('/wait/c');
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe('5');
    expect(JSON.parse(refused.body)).toMatchObject({
      error: { code: 'unavailable', message: expect.stringMatching(/very busy/) },
    });
    h.open('a');
    await h.startedCount(2);
    h.open('b');
    expect((await first).status).toBe(200);
    expect((await waiting).status).toBe(200);
    expect(h.started).toEqual(['a', 'b']);
    await h.close();
  });

  it('answers every waiting read when they all answer at once', async () => {
    const h = harness(1);
    const first = h.get('/wait/a');
    await h.startedCount(1);
    const many = Array.from({ length: 300 }, () => h.get('/now'));
    await h.settle();
    h.open('a');
    const answers = await Promise.all([first, ...many]);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    await h.close();
  });
});
