import { pmSendSchema } from '../../schemas/messages';
import { defineHandler } from '../define-handler';

/** Private messages over sockets: the same service as the no-JavaScript form. */
export const messageHandlers = [
  defineHandler({
    event: 'pm:send',
    schema: pmSendSchema,
    rateLimit: 'submit',
    handle: ({ actor, input, services }) => services.privateMessages.sendMessage(actor, input),
  }),
];
