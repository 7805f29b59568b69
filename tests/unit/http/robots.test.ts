import express from 'express';
import request from 'supertest';
import { robotsHeader } from '../../../server/http/middleware/security';

describe('X-Robots-Tag', () => {
  const app = express();
  app.use(robotsHeader);
  // Both routes ask to be indexed; only the public group page itself may be.
  app.get('/g/:slug', (_req, res) => {
    res.locals.indexable = true;
    res.send('public page');
  });
  app.get('/g/:slug/conversation', (_req, res) => {
    res.locals.indexable = true;
    res.send('inside');
  });
  app.get('/other', (_req, res) => {
    res.send('other');
  });

  it('lets only a public group page opt out of noindex', async () => {
    expect((await request(app).get('/g/tea-and-talk')).headers['x-robots-tag']).toBeUndefined();
    expect((await request(app).get('/g/tea-and-talk/conversation')).headers['x-robots-tag']).toBe(
      'noindex, nofollow',
    );
    expect((await request(app).get('/other')).headers['x-robots-tag']).toBe('noindex, nofollow');
  });
});
