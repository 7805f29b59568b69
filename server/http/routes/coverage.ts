import { z } from 'zod';
import { en } from '../../i18n/en';
import { slugParams } from '../../schemas/moderation';
import { addSlotSchema, handOverSchema, slotRefSchema, swapSchema } from '../../schemas/coverage';
import { defineRoute } from '../define-route';
import { formAction, parseForm } from './reports';

/** The moderators' rota (who is on duty when), one page with small forms. */
const formBody = z.record(z.string(), z.unknown());
const enc = encodeURIComponent;
const slotParams = z.object({
  slug: z.string().min(1).max(200),
  slotId: z.string().regex(/^[0-9a-f]{24}$/i),
});

type SlotAction = 'take' | 'handover' | 'swap' | 'release' | 'remove';

function slotRoute(action: SlotAction) {
  return defineRoute({
    method: 'post',
    path: `/g/:slug/rota/:slotId/${action}`,
    access: 'user',
    kind: 'page',
    params: slotParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, `/g/${enc(params.slug)}/rota`, async () => {
        const ref = { ...body, group: params.slug, slotId: params.slotId };
        if (action === 'take') await services.rota.takeSlot(actor, parseForm(slotRefSchema, ref));
        if (action === 'handover')
          await services.rota.handOverSlot(actor, parseForm(handOverSchema, ref));
        if (action === 'swap') await services.rota.swapSlots(actor, parseForm(swapSchema, ref));
        if (action === 'release')
          await services.rota.releaseSlot(actor, parseForm(slotRefSchema, ref));
        if (action === 'remove')
          await services.rota.removeSlot(actor, parseForm(slotRefSchema, ref));
        return en.coverage.rota.saved;
      });
    },
  });
}

export const coverageRoutes = [
  defineRoute({
    method: 'get',
    path: '/g/:slug/rota',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const view = await services.rota.listRota(actor, { group: params.slug });
      res.render('pages/coverage/rota', { title: en.coverage.rota.title(view.group.name), view });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/rota',
    access: 'user',
    kind: 'page',
    params: slugParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, `/g/${enc(params.slug)}/rota`, async () => {
        await services.rota.addSlot(
          actor,
          parseForm(addSlotSchema, { ...body, group: params.slug }),
        );
        return en.coverage.rota.saved;
      });
    },
  }),

  slotRoute('take'),
  slotRoute('handover'),
  slotRoute('swap'),
  slotRoute('release'),
  slotRoute('remove'),

  defineRoute({
    method: 'get',
    path: '/api/groups/:slug/coverage',
    access: 'user',
    kind: 'api',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      if (actor) res.json(await services.rota.listRota(actor, { group: params.slug }));
    },
  }),
];
