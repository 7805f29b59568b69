import type { Server } from 'socket.io';
import type { Deps } from '../deps';
import { presentStoredMessage } from '../services/private-messages';

/** Socket event names for private messages (client → server: `pm:send`). */
export const PM_SOCKET_EVENTS = { message: 'pm:message' } as const;

/**
 * Delivers each stored private message to its two participants' `user:<id>` rooms (only them),
 * each with `mine` set for that person. Returns an unsubscribe.
 */
export function attachPmBroadcaster(io: Server, deps: Deps): () => void {
  return deps.events.on('pm.message', ({ messageId, participants }) => {
    const work = (async () => {
      const stored = await presentStoredMessage(messageId);
      if (!stored) return;
      for (const userId of participants) {
        io.to(`user:${userId}`).emit(PM_SOCKET_EVENTS.message, {
          ...stored.view,
          mine: stored.senderId === userId,
        });
      }
    })().catch((error: unknown) => {
      deps.log.error(
        { messageId, err: error instanceof Error ? error.message : 'unknown' },
        'pm delivery failed',
      );
    });
    deps.events.track(work);
  });
}
