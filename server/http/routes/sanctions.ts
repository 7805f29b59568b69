import { z } from 'zod';
import { en } from '../../i18n/en';
import {
  liftSchema,
  removeSchema,
  sanctionSchema,
  slugParams,
  slugUserParams,
} from '../../schemas/moderation';
import { defineRoute } from '../define-route';
import { formAction, parseForm } from './reports';

/** Members and sanctions (moderators of the group): mute, suspend, lift, remove. */
const formBody = z.record(z.string(), z.unknown());
const enc = encodeURIComponent;

export const sanctionRoutes = [
  defineRoute({
    method: 'get',
    path: '/g/:slug/sanctions',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const view = await services.sanctions.listMemberSanctions(actor, { group: params.slug });
      res.render('pages/toolkit/sanctions', {
        title: en.toolkit.sanctions.title(view.group.name),
        view,
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/sanctions/:userId',
    access: 'user',
    kind: 'page',
    params: slugUserParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const view = await services.sanctions.getMemberSanction(actor, {
        group: params.slug,
        userId: params.userId,
      });
      const tools = await services.handbook.noteTools(actor, { group: params.slug });
      res.render('pages/toolkit/sanction', {
        title: en.toolkit.sanctions.memberTitle(view.member.name),
        view,
        tools,
        durations: ['1h', '24h', '3d', '7d', '30d', 'lifted'],
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/sanctions/:userId',
    access: 'user',
    kind: 'page',
    params: slugUserParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await services.moderation.requireModerator(actor, params.slug);
      await formAction(req, res, `/g/${enc(params.slug)}/sanctions/${params.userId}`, async () => {
        const input = parseForm(sanctionSchema, { ...body, userId: params.userId });
        await services.sanctions.sanctionMember(actor, params.slug, input);
        return en.toolkit.sanctions.applied;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/sanctions/:userId/lift',
    access: 'user',
    kind: 'page',
    params: slugUserParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await services.moderation.requireModerator(actor, params.slug);
      await formAction(req, res, `/g/${enc(params.slug)}/sanctions/${params.userId}`, async () => {
        const input = parseForm(liftSchema, { ...body, userId: params.userId });
        await services.sanctions.liftSanction(actor, params.slug, input);
        return en.toolkit.sanctions.lifted;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/sanctions/:userId/remove',
    access: 'user',
    kind: 'page',
    params: slugUserParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await services.moderation.requireModerator(actor, params.slug);
      await formAction(req, res, `/g/${enc(params.slug)}/sanctions`, async () => {
        const input = parseForm(removeSchema, { ...body, userId: params.userId });
        await services.sanctions.removeMember(actor, params.slug, input);
        return en.toolkit.sanctions.removed;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/groups/:slug/sanctions',
    access: 'user',
    kind: 'api',
    params: slugParams,
    body: sanctionSchema,
    async handle({ actor, params, body, services, res }) {
      if (actor) res.json(await services.sanctions.sanctionMember(actor, params.slug, body));
    },
  }),
];
