import type { SocketHandlerSpec } from '../define-handler';

/** Every client → server socket event. The dispatcher serves exactly these. */
export const allHandlers: SocketHandlerSpec[] = [];
