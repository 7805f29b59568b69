import { z } from 'zod';
import { en } from '../../i18n/en';
import { slugParams } from '../../schemas/moderation';
import {
  approveWithReplySchema,
  complaintUpdateSchema,
  escalateThreatSchema,
  flagComplaintSchema,
  policeContactSchema,
} from '../../schemas/triage';
import { defineRoute } from '../define-route';
import { formAction, parseForm } from './reports';

/** Queue triage (moderators), complaints list (moderators), threat evidence (administrators). */
const formBody = z.record(z.string(), z.unknown());
const enc = encodeURIComponent;
const objectId = z.string().regex(/^[0-9a-f]{24}$/i);
const slugPost = z.object({ slug: z.string().min(1).max(200), postId: objectId });
const slugFlag = z.object({ slug: z.string().min(1).max(200), flagId: objectId });
const caseParams = z.object({ caseId: objectId });

export const triageRoutes = [
  defineRoute({
    method: 'post',
    path: '/g/:slug/queue/:postId/approve-with-reply',
    access: 'user',
    kind: 'page',
    params: slugPost,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, `/g/${enc(params.slug)}/queue`, async () => {
        const input = parseForm(approveWithReplySchema, { ...body, postId: params.postId });
        await services.triage.approveWithOrganisationReply(actor, input);
        return en.triage.approvedWithReply;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/queue/:postId/escalate-threat',
    access: 'user',
    kind: 'page',
    params: slugPost,
    body: formBody,
    async handle({ actor, params, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, `/g/${enc(params.slug)}/queue`, async () => {
        await services.triage.escalateThreat(
          actor,
          parseForm(escalateThreatSchema, { postId: params.postId }),
        );
        return en.triage.escalated;
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/queue/:postId/flag-complaint',
    access: 'user',
    kind: 'page',
    params: slugPost,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, `/g/${enc(params.slug)}/queue`, async () => {
        const input = parseForm(flagComplaintSchema, { ...body, postId: params.postId });
        await services.triage.flagComplaint(actor, input);
        return en.triage.flagged;
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/complaints',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const view = await services.triage.listComplaints(actor, { group: params.slug });
      res.render('pages/coverage/complaints', { title: en.triage.complaintsTitle, view });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/complaints/:flagId',
    access: 'user',
    kind: 'page',
    params: slugFlag,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, `/g/${enc(params.slug)}/complaints`, async () => {
        const input = parseForm(complaintUpdateSchema, { ...body, flagId: params.flagId });
        await services.triage.updateComplaint(actor, params.slug, input);
        return en.triage.saved;
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/threats',
    access: 'admin',
    kind: 'page',
    async handle({ actor, services, res }) {
      if (!actor) return;
      const cases = await services.triage.listThreatCases(actor);
      res.render('pages/coverage/threats', { title: en.triage.threatsTitle, cases });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/admin/threats/:caseId',
    access: 'admin',
    kind: 'page',
    params: caseParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const view = await services.triage.getThreatCase(actor, { caseId: params.caseId });
      res.render('pages/coverage/threat', { title: en.triage.threatTitle, view });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/admin/threats/:caseId/contact',
    access: 'admin',
    kind: 'page',
    params: caseParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, `/admin/threats/${params.caseId}`, async () => {
        const input = parseForm(policeContactSchema, { ...body, caseId: params.caseId });
        await services.triage.recordPoliceContact(actor, input);
        return en.triage.saved;
      });
    },
  }),
];
