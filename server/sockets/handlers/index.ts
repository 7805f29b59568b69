import type { SocketHandlerSpec } from '../define-handler';
import { messageHandlers } from './messages';
import { moderationHandlers } from './moderation';
import { postHandlers } from './posts';

/** Every client → server socket event. The dispatcher serves exactly these. */
export const allHandlers: SocketHandlerSpec[] = [
  ...postHandlers,
  ...moderationHandlers,
  ...messageHandlers,
];
