import type { Response } from 'express';
import { z } from 'zod';
import type { Actor } from '../../context';
import { en } from '../../i18n/en';
import { groupParams } from '../../schemas/posts';
import { organisationPostSchema, setStaffSchema } from '../../schemas/org-voice';
import type { Services } from '../../services';
import { defineRoute } from '../define-route';
import { newKey, pushFlashMessage } from './conversation';
import { formAction, parseForm } from './reports';

/** Staff writing for the organisation (screened before sending) and the administrators' list. */
const formBody = z.record(z.string(), z.unknown());
const enc = encodeURIComponent;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

interface Draft {
  body: string;
  parentId: string;
  idempotencyKey: string;
  overrideReason: string;
  phrases: string[];
  nudges: string[];
}

async function renderForm(
  res: Response,
  services: Services,
  actor: Actor,
  slug: string,
  draft: Draft,
  status = 200,
): Promise<void> {
  // Group access and staff check in one call (404 outside the group, 403 for non-staff).
  await services.orgVoice.privacyStatement(actor, { group: slug });
  res.status(status).render('pages/coverage/organisation-reply', {
    title: en.orgVoice.title,
    slug,
    draft,
  });
}

export const orgVoiceRoutes = [
  defineRoute({
    method: 'get',
    path: '/g/:slug/organisation-reply',
    access: 'user',
    kind: 'page',
    params: groupParams,
    query: z.object({
      parentId: z
        .string()
        .regex(/^[0-9a-f]{24}$/i)
        .optional(),
    }),
    async handle({ actor, params, query, services, res }) {
      if (!actor) return;
      await renderForm(res, services, actor, params.slug, {
        body: '',
        parentId: query.parentId ?? '',
        idempotencyKey: newKey(),
        overrideReason: '',
        phrases: [],
        nudges: [],
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/organisation-reply',
    access: 'user',
    kind: 'page',
    rateLimit: 'submit',
    params: groupParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      const draft: Draft = {
        body: str(body.body),
        parentId: str(body.parentId),
        idempotencyKey: str(body.idempotencyKey) || newKey(),
        overrideReason: str(body.overrideReason),
        phrases: [],
        nudges: [],
      };
      if (body.action === 'insert') {
        // One action: the group's privacy statement goes at the end of the message.
        const statement = await services.orgVoice.privacyStatement(actor, { group: params.slug });
        draft.body = draft.body.trim() ? `${draft.body.trimEnd()}\n\n${statement}` : statement;
        return renderForm(res, services, actor, params.slug, draft);
      }
      const input = parseForm(organisationPostSchema, { ...body, group: params.slug });
      const result = await services.orgVoice.submitAsOrganisation(actor, input);
      if (result.status === 'blocked') {
        return renderForm(res, services, actor, params.slug, { ...draft, phrases: result.phrases });
      }
      if (result.status === 'needs_confirmation') {
        return renderForm(res, services, actor, params.slug, { ...draft, nudges: result.nudges });
      }
      pushFlashMessage(req, 'success', en.orgVoice.sent);
      res.redirect(303, `/g/${enc(params.slug)}/conversation#post-${result.post.id}`);
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/staff',
    access: 'admin',
    kind: 'page',
    async handle({ actor, services, res }) {
      if (!actor) return;
      const accounts = await services.orgVoice.listAccounts(actor);
      res.render('pages/coverage/staff', { title: en.orgVoice.staffTitle, accounts });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/admin/staff',
    access: 'admin',
    kind: 'page',
    body: formBody,
    async handle({ actor, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, '/admin/staff', async () => {
        await services.orgVoice.setStaff(actor, parseForm(setStaffSchema, body));
        return en.orgVoice.staffSaved;
      });
    },
  }),
];
