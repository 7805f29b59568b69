import { z } from 'zod';
import { en } from '../../i18n/en';
import {
  appealDecisionSchema,
  appealSchema,
  auditFilterSchema,
  objectId,
  slugAppealParams,
  slugParams,
} from '../../schemas/moderation';
import { defineRoute } from '../define-route';
import { formAction, parseForm } from './reports';

/** A member's decisions and appeals; moderators' appeals tab; the audit log browser. */
const formBody = z.record(z.string(), z.unknown());
const enc = encodeURIComponent;

export const appealRoutes = [
  defineRoute({
    method: 'get',
    path: '/me/decisions',
    access: 'user',
    kind: 'page',
    async handle({ actor, services, res }) {
      if (!actor) return;
      const decisions = await services.appeals.listMyDecisions(actor);
      res.render('pages/toolkit/decisions', { title: en.toolkit.decisions.title, decisions });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/me/decisions',
    access: 'user',
    kind: 'api',
    async handle({ actor, services, res }) {
      if (actor) res.json({ decisions: await services.appeals.listMyDecisions(actor) });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/decisions/:decisionId/appeal',
    access: 'user',
    kind: 'page',
    params: z.object({ decisionId: objectId }),
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, '/me/decisions', async () => {
        const input = parseForm(appealSchema, { ...body, decisionId: params.decisionId });
        await services.appeals.appealDecision(actor, input);
        return en.toolkit.decisions.appealSent;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/me/decisions/:decisionId/appeal',
    access: 'user',
    kind: 'api',
    params: z.object({ decisionId: objectId }),
    body: appealSchema.omit({ decisionId: true }),
    async handle({ actor, params, body, services, res }) {
      if (!actor) return;
      res.json(
        await services.appeals.appealDecision(actor, { ...body, decisionId: params.decisionId }),
      );
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/appeals',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const appeals = await services.appeals.listAppeals(actor, { group: params.slug });
      res.render('pages/toolkit/appeals', {
        title: en.toolkit.appeals.title(appeals.group.name),
        appeals,
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/appeals/:appealId',
    access: 'user',
    kind: 'page',
    params: slugAppealParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await services.moderation.requireModerator(actor, params.slug);
      await formAction(req, res, `/g/${enc(params.slug)}/appeals`, async () => {
        const input = parseForm(appealDecisionSchema, { ...body, appealId: params.appealId });
        await services.appeals.decideAppeal(actor, input);
        return en.toolkit.appeals.decided;
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/audit',
    access: 'user',
    kind: 'page',
    params: slugParams,
    query: auditFilterSchema.omit({ group: true }),
    async handle({ actor, params, query, services, res }) {
      if (!actor) return;
      const log = await services.auditLog.browseAudit(actor, { ...query, scopeGroup: params.slug });
      res.render('pages/toolkit/audit', {
        title: en.toolkit.audit.title(log.scope.name ?? ''),
        log,
        formAction: `/g/${enc(params.slug)}/audit`,
        navGroup: { slug: log.scope.slug, name: log.scope.name },
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/audit/browse',
    access: 'admin',
    kind: 'page',
    query: auditFilterSchema,
    async handle({ actor, query, services, res }) {
      if (!actor) return;
      const log = await services.auditLog.browseAudit(actor, query);
      res.render('pages/toolkit/audit', {
        title: en.toolkit.audit.title(log.scope.name ?? en.toolkit.audit.allGroups),
        log,
        formAction: '/admin/audit/browse',
        navGroup: null,
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/audit',
    access: 'user',
    kind: 'api',
    query: auditFilterSchema,
    async handle({ actor, query, services, res }) {
      if (!actor) return;
      const log = await services.auditLog.browseAudit(
        actor,
        actor.siteRole === 'admin' ? query : { ...query, scopeGroup: query.group ?? '-' },
      );
      res.json({ rows: log.rows });
    },
  }),
];
