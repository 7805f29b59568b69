import { z } from 'zod';
import { en } from '../../i18n/en';
import { slugParams } from '../../schemas/moderation';
import { groupPostParams } from '../../schemas/posts';
import {
  addTopicSchema,
  moveTopicSchema,
  renameTopicSchema,
  setPostTopicSchema,
  topicRefSchema,
  topicRouteParams,
} from '../../schemas/topics';
import type { Services } from '../../services';
import type { Actor } from '../../context';
import { defineRoute } from '../define-route';
import { formAction, parseForm } from './reports';

/**
 * Conversation topics: the moderators' list (one page of small forms, each posting and coming
 * back with a message) and a post's topic changed from the queue or from a published post.
 * Everything answers 404 to anyone who is not a moderator of the group.
 */
const formBody = z.record(z.string(), z.unknown());
const enc = encodeURIComponent;
const back = (slug: string) => `/g/${enc(slug)}/topics`;

type TopicAction = 'rename' | 'move' | 'retire' | 'restore';

function topicRoute(action: TopicAction) {
  return defineRoute({
    method: 'post',
    path: `/g/:slug/topics/:topicId/${action}`,
    access: 'user',
    kind: 'page',
    params: topicRouteParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, back(params.slug), async () => {
        const ref = { ...body, group: params.slug, topicId: params.topicId };
        const topics = services.topics;
        if (action === 'rename') await topics.renameTopic(actor, parseForm(renameTopicSchema, ref));
        if (action === 'move') await topics.moveTopic(actor, parseForm(moveTopicSchema, ref));
        if (action === 'retire') await topics.retireTopic(actor, parseForm(topicRefSchema, ref));
        if (action === 'restore') await topics.restoreTopic(actor, parseForm(topicRefSchema, ref));
        return en.topics.saved;
      });
    },
  });
}

/** Sets a post's topic, then back to where the moderator was (queue or the moderate page). */
function postTopicRoute(path: string, backTo: (slug: string, postId: string) => string) {
  return defineRoute({
    method: 'post',
    path,
    access: 'user',
    kind: 'page',
    params: groupPostParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, backTo(params.slug, params.postId), async () => {
        await setTopic(services, actor, { ...body, postId: params.postId });
        return en.topics.changed;
      });
    },
  });
}

async function setTopic(services: Services, actor: Actor, input: unknown) {
  return services.topics.setPostTopic(actor, parseForm(setPostTopicSchema, input));
}

export const topicRoutes = [
  defineRoute({
    method: 'get',
    path: '/g/:slug/topics',
    access: 'user',
    kind: 'page',
    params: slugParams,
    async handle({ actor, params, services, res }) {
      if (!actor) return;
      const view = await services.topics.listTopics(actor, { group: params.slug });
      res.render('pages/toolkit/topics', { title: en.topics.title(view.group.name), view });
    },
  }),

  defineRoute({
    method: 'post',
    path: '/g/:slug/topics',
    access: 'user',
    kind: 'page',
    params: slugParams,
    body: formBody,
    async handle({ actor, params, body, services, req, res }) {
      if (!actor) return;
      await formAction(req, res, back(params.slug), async () => {
        await services.topics.addTopic(
          actor,
          parseForm(addTopicSchema, { ...body, group: params.slug }),
        );
        return en.topics.saved;
      });
    },
  }),

  topicRoute('rename'),
  topicRoute('move'),
  topicRoute('retire'),
  topicRoute('restore'),

  // Before approval, from the queue; after approval, from the moderate page (both audited).
  postTopicRoute('/g/:slug/queue/:postId/topic', (slug) => `/g/${enc(slug)}/queue`),
  postTopicRoute(
    '/g/:slug/posts/:postId/topic',
    (slug, postId) => `/g/${enc(slug)}/posts/${postId}/moderate`,
  ),

  /** JSON for tools and the client: `{ topic: "<id>" | "" }`. */
  defineRoute({
    method: 'post',
    path: '/api/posts/:postId/topic',
    access: 'user',
    kind: 'api',
    params: z.object({ postId: setPostTopicSchema.shape.postId }),
    body: formBody,
    async handle({ actor, params, body, services, res }) {
      if (!actor) return;
      res.json(await setTopic(services, actor, { ...body, postId: params.postId }));
    },
  }),
];
