import { en } from '../../i18n/en';
import {
  blockBody,
  groupParams,
  groupThreadParams,
  pmSettingBody,
  reportBody,
  requestBody,
  respondBody,
  sendBody,
  threadParams,
} from '../../schemas/messages';
import { defineRoute } from '../define-route';
import { pushFlash } from '../middleware/auth';

/** Private messages (plain forms; `public/js/messages.js` adds live delivery) and moderators' view. */
export const messageRoutes = [
  defineRoute({
    method: 'get',
    path: '/me/messages',
    access: 'user',
    kind: 'page',
    async handle({ actor, services, res }) {
      const [threads, contacts] = await Promise.all([
        services.privateMessages.listThreads(actor!),
        services.privateMessages.listContacts(actor!),
      ]);
      res.render('pages/messages/index', { title: en.messages.title, threads, contacts });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/messages',
    access: 'user',
    kind: 'page',
    rateLimit: 'submit',
    body: requestBody,
    async handle({ actor, services, body, req, res }) {
      const { id } = await services.privateMessages.requestConversation(actor!, body);
      pushFlash(req, 'success', en.messages.requestSent);
      res.redirect(303, `/me/messages/${id}`);
    },
  }),

  defineRoute({
    method: 'get',
    path: '/me/messages/:id',
    access: 'user',
    kind: 'page',
    params: threadParams,
    async handle({ actor, services, params, res }) {
      const thread = await services.privateMessages.getThread(actor!, { threadId: params.id });
      res.render('pages/messages/thread', { title: en.messages.with(thread.withName), thread });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/messages/:id/send',
    access: 'user',
    kind: 'page',
    rateLimit: 'submit',
    params: threadParams,
    body: sendBody,
    async handle({ actor, services, params, body, res }) {
      await services.privateMessages.sendMessage(actor!, { threadId: params.id, body: body.body });
      res.redirect(303, `/me/messages/${params.id}#compose`);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/messages/:id/respond',
    access: 'user',
    kind: 'page',
    params: threadParams,
    body: respondBody,
    async handle({ actor, services, params, body, res }) {
      await services.privateMessages.respondToRequest(actor!, {
        threadId: params.id,
        accept: body.answer === 'accept',
      });
      res.redirect(303, body.answer === 'accept' ? `/me/messages/${params.id}` : '/me/messages');
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/messages/:id/block',
    access: 'user',
    kind: 'page',
    params: threadParams,
    body: blockBody,
    async handle({ actor, services, params, body, res }) {
      await services.privateMessages.setBlocked(actor!, {
        threadId: params.id,
        block: body.action === 'block',
      });
      res.redirect(303, `/me/messages/${params.id}`);
    },
  }),

  defineRoute({
    method: 'post',
    path: '/me/messages/:id/report',
    access: 'user',
    kind: 'page',
    rateLimit: 'report',
    params: threadParams,
    body: reportBody,
    async handle({ actor, services, params, body, req, res }) {
      await services.privateMessages.reportThread(actor!, {
        threadId: params.id,
        reason: body.reason,
      });
      pushFlash(req, 'success', en.messages.reported);
      res.redirect(303, `/me/messages/${params.id}`);
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/messages/reported',
    access: 'user',
    kind: 'page',
    params: groupParams,
    async handle({ actor, services, params, res }) {
      const list = await services.privateMessages.listReportedThreads(actor!, {
        group: params.slug,
      });
      res.render('pages/messages/reported', {
        title: en.messages.reportedTitle,
        slug: params.slug,
        ...list,
      });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/g/:slug/messages/reported/:id',
    access: 'user',
    kind: 'page',
    params: groupThreadParams,
    async handle({ actor, services, params, res }) {
      const thread = await services.privateMessages.readReportedThread(actor!, {
        group: params.slug,
        threadId: params.id,
      });
      res.render('pages/messages/reported-thread', {
        title: en.messages.reportedTitle,
        slug: params.slug,
        thread,
      });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/messages/settings',
    access: 'user',
    kind: 'page',
    params: groupParams,
    body: pmSettingBody,
    async handle({ actor, services, params, body, res }) {
      await services.privateMessages.setGroupPrivateMessages(actor!, {
        group: params.slug,
        enabled: body.enabled === 'on',
      });
      res.redirect(303, `/g/${params.slug}/messages/reported`);
    },
  }),
];
