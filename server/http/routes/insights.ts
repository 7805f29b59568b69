import path from 'node:path';
import { en } from '../../i18n/en';
import { projectRoot } from '../../paths';
import {
  insightsQuery,
  journalNoteSchema,
  journalQuery,
  slugParams,
} from '../../schemas/moderation';
import { defineRoute } from '../define-route';
import { z } from 'zod';
import { formAction, parseForm } from './reports';

/** The daily journal (page, notes, CSV) and the insights dashboards; Chart.js from the app. */
const formBody = z.record(z.string(), z.unknown());
const CHART_JS = path.join(projectRoot(), 'node_modules', 'chart.js', 'dist', 'chart.umd.js');

export const insightRoutes = [
  /** Chart.js served from our own origin (strict CSP, no CDN). */
  defineRoute({
    method: 'get',
    path: '/vendor/chart.umd.js',
    access: 'public',
    kind: 'page',
    async handle({ res }) {
      res.type('application/javascript');
      res.setHeader('Cache-Control', 'public, max-age=86400');
      res.sendFile(CHART_JS);
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/journal',
    access: 'user',
    kind: 'page',
    params: slugParams,
    query: journalQuery,
    async handle({ actor, params, query, services, res }) {
      if (!actor) return;
      const journal = await services.journal.journalDay(actor, {
        group: params.slug,
        day: query.day,
      });
      res.render('pages/toolkit/journal', {
        title: en.toolkit.journal.title(journal.group.name, journal.day),
        journal,
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/journal.csv',
    access: 'user',
    kind: 'page',
    params: slugParams,
    query: journalQuery,
    async handle({ actor, params, query, services, res }) {
      if (!actor) return;
      const { filename, csv } = await services.journal.journalCsv(actor, {
        group: params.slug,
        day: query.day,
      });
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
      res.setHeader('Cache-Control', 'no-store');
      res.send(csv);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/journal/notes',
    access: 'user',
    kind: 'page',
    params: slugParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      const day =
        typeof body.day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(body.day) ? body.day : '';
      const back = `/g/${encodeURIComponent(params.slug)}/journal${day ? `?day=${day}` : ''}`;
      await services.moderation.requireModerator(actor, params.slug);
      await formAction(req, res, back, async () => {
        const input = parseForm(journalNoteSchema, body);
        await services.journal.addJournalNote(actor, { group: params.slug, ...input });
        return en.toolkit.journal.noteAdded;
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/insights',
    access: 'user',
    kind: 'page',
    params: slugParams,
    query: insightsQuery,
    async handle({ actor, params, query, services, res }) {
      if (!actor) return;
      const insights = await services.insights.groupInsights(actor, {
        group: params.slug,
        days: Number(query.days ?? '30'),
      });
      res.render('pages/toolkit/insights', {
        title: en.toolkit.insights.title(insights.scope.name ?? ''),
        insights,
        formAction: `/g/${encodeURIComponent(params.slug)}/insights`,
        navGroup: { slug: insights.scope.slug, name: insights.scope.name },
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/insights',
    access: 'admin',
    kind: 'page',
    query: insightsQuery,
    async handle({ actor, query, services, res }) {
      if (!actor) return;
      const insights = await services.insights.groupInsights(actor, {
        group: query.group,
        days: Number(query.days ?? '30'),
      });
      res.render('pages/toolkit/insights', {
        title: en.toolkit.insights.title(insights.scope.name ?? en.toolkit.insights.allGroups),
        insights,
        formAction: '/admin/insights',
        navGroup: null,
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/groups/:slug/insights',
    access: 'user',
    kind: 'api',
    params: slugParams,
    query: insightsQuery,
    async handle({ actor, params, query, services, res }) {
      if (!actor) return;
      res.json(
        await services.insights.groupInsights(actor, {
          group: params.slug,
          days: Number(query.days ?? '30'),
        }),
      );
    },
  }),
];
