import path from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import {
  NotFoundError,
  RateLimitedError,
  ValidationError,
  ConflictError,
} from '../../../server/errors';
import { errorHandler, notFound } from '../../../server/http/error-handler';

/** A tiny app with the real error handler and views, and routes that fail in known ways. */
function appWith(kind: 'page' | 'api') {
  const logged: unknown[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const app = express();
  app.set('view engine', 'ejs');
  app.set('views', path.join(__dirname, '..', '..', '..', 'views'));
  app.use((_req, res, next) => {
    res.locals.routeKind = kind;
    res.locals.currentPath = '/';
    next();
  });
  app.get('/validation', () => {
    throw new ValidationError('Please check what you entered.', [
      { path: 'body.email', message: 'Enter an e-mail address.' },
      { path: 'body.displayName', message: 'Enter a display name.' },
    ]);
  });
  app.get('/limited', () => {
    throw new RateLimitedError('Too many attempts.', 120);
  });
  app.get('/conflict', () => {
    throw new ConflictError('Someone else decided first.', 'post_already_decided');
  });
  app.get('/missing', () => {
    throw new NotFoundError();
  });
  app.get('/boom', () => {
    throw new Error('secret detail: database password is hunter2');
  });
  app.use(notFound);
  app.use(errorHandler(log));
  return { app, logged };
}

describe('error handler', () => {
  it('answers API errors as JSON with the code and every field issue', async () => {
    const { app } = appWith('api');
    const res = await request(app).get('/validation');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.issues).toHaveLength(2);
    const conflict = await request(app).get('/conflict');
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toEqual({
      code: 'post_already_decided',
      message: 'Someone else decided first.',
    });
  });

  it('sets Retry-After on 429', async () => {
    const { app } = appWith('api');
    const res = await request(app).get('/limited');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('120');
  });

  it('hides unknown errors behind a generic 500 and logs the stack', async () => {
    const { app, logged } = appWith('api');
    const res = await request(app).get('/boom');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('internal');
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect(JSON.stringify(logged)).toContain('secret detail');
  });

  it('renders pages for page routes: every issue listed, nothing revealed on 500', async () => {
    const { app } = appWith('page');
    const validation = await request(app).get('/validation');
    expect(validation.status).toBe(422);
    expect(validation.type).toBe('text/html');
    expect(validation.text).toContain('Enter an e-mail address.');
    expect(validation.text).toContain('Enter a display name.');
    const boom = await request(app).get('/boom');
    expect(boom.status).toBe(500);
    expect(boom.text).toContain('Something went wrong');
    expect(boom.text).not.toContain('hunter2');
    const missing = await request(app).get('/nowhere');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('Page not found');
  });
});
