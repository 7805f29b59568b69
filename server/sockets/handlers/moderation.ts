import { hideSchema, reportSchema, restoreSchema } from '../../schemas/moderation';
import { defineHandler } from '../define-handler';

/** The moderators' toolkit over sockets: report (members), hide and restore (moderators). */
export const moderationHandlers = [
  defineHandler({
    event: 'post:report',
    schema: reportSchema,
    rateLimit: 'report',
    handle: ({ actor, input, services }) => services.reports.reportPost(actor, input),
  }),
  defineHandler({
    event: 'post:hide',
    schema: hideSchema,
    handle: ({ actor, input, services }) => services.moderation.hidePost(actor, input),
  }),
  defineHandler({
    event: 'post:restore',
    schema: restoreSchema,
    handle: ({ actor, input, services }) => services.moderation.restorePost(actor, input),
  }),
];
