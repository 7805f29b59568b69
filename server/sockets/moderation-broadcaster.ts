import type { Server } from 'socket.io';
import type { Deps } from '../deps';
import { moderatorsRoom } from './broadcaster';

/**
 * Live delivery for the moderators' toolkit: the reports tab refreshes when reports change.
 * The payload is ids only; the page re-fetches its server-rendered list.
 */
export const TOOLKIT_SOCKET_EVENTS = { reportsChanged: 'reports:changed' } as const;

export function attachModerationBroadcaster(io: Server, deps: Deps): () => void {
  return deps.events.on('reports.changed', ({ groupId, postId }) => {
    io.to(moderatorsRoom(groupId)).emit(TOOLKIT_SOCKET_EVENTS.reportsChanged, { groupId, postId });
  });
}
