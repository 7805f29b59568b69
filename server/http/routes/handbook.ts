import { z } from 'zod';
import { en } from '../../i18n/en';
import {
  privacyStatementSchema,
  responsePlanSchema,
  ruleNoteSchema,
  savedReplyParams,
  savedReplySchema,
  slugParams,
} from '../../schemas/moderation';
import { defineRoute } from '../define-route';
import { formAction, parseForm } from './reports';

/** The group's moderator handbook: rules explained, response plan, saved replies, privacy. */
const formBody = z.record(z.string(), z.unknown());
const back = (slug: string) => `/g/${encodeURIComponent(slug)}/handbook`;

export const handbookRoutes = [
  defineRoute({
    method: 'get',
    path: '/g/:slug/handbook',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const handbook = await services.handbook.getHandbook(actor, { group: params.slug });
      res.render('pages/toolkit/handbook', {
        title: en.toolkit.handbook.title(handbook.group.name),
        handbook,
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/handbook/plan',
    access: 'user',
    kind: 'page',
    params: slugParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await services.moderation.requireModerator(actor, params.slug);
      await formAction(req, res, back(params.slug), async () => {
        const input = parseForm(responsePlanSchema, body);
        await services.handbook.updateResponsePlan(actor, params.slug, input.responsePlan);
        return en.toolkit.handbook.saved;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/handbook/rules',
    access: 'user',
    kind: 'page',
    params: slugParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await services.moderation.requireModerator(actor, params.slug);
      await formAction(req, res, back(params.slug), async () => {
        await services.handbook.updateRuleNote(actor, params.slug, parseForm(ruleNoteSchema, body));
        return en.toolkit.handbook.saved;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/handbook/replies',
    access: 'user',
    kind: 'page',
    params: slugParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await services.moderation.requireModerator(actor, params.slug);
      await formAction(req, res, back(params.slug), async () => {
        await services.handbook.addSavedReply(
          actor,
          params.slug,
          parseForm(savedReplySchema, body),
        );
        return en.toolkit.handbook.saved;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/handbook/replies/:replyId/delete',
    access: 'user',
    kind: 'page',
    params: savedReplyParams,
    async handle({ actor, params, services, req, res }) {
      if (!actor) return;
      await services.moderation.requireModerator(actor, params.slug);
      await formAction(req, res, back(params.slug), async () => {
        await services.handbook.deleteSavedReply(actor, params.slug, params.replyId);
        return en.toolkit.handbook.saved;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/handbook/privacy',
    access: 'user',
    kind: 'page',
    params: slugParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await services.moderation.requireModerator(actor, params.slug);
      await formAction(req, res, back(params.slug), async () => {
        const input = parseForm(privacyStatementSchema, body);
        await services.handbook.updatePrivacyStatement(actor, params.slug, input.privacyStatement);
        return en.toolkit.handbook.saved;
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/groups/:slug/note-tools',
    access: 'user',
    kind: 'api',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      if (actor) res.json(await services.handbook.noteTools(actor, { group: params.slug }));
    },
  }),
];
