import { EventEmitter } from 'node:events';
import type { MemberPostView, OwnPostView } from './presenters/posts';
import type { NotificationView } from './services/notifications';

/**
 * Domain events, emitted by services AFTER the write is stored. The socket broadcaster (and
 * notifications) subscribe; services never talk to sockets directly. Payloads carry ids and the
 * already-presented data each audience may see, never more.
 */
export interface DomainEventMap {
  /** A post or reply became visible to the whole group (approval, restore). */
  'post.published': {
    groupId: string;
    postId: string;
    seq: number;
    /** The members' view of the post as the decision stored it, when the publisher has it. */
    view?: MemberPostView;
  };
  /** Something about a post changed that only its author and the group's moderators may see. */
  'post.pending_changed': {
    groupId: string;
    postId: string;
    authorId: string;
    /** The author's view of the post as the write stored it, when the emitter has it. */
    view?: OwnPostView;
  };
  /** A published post was hidden (moderation) or edited. */
  'post.hidden': { groupId: string; postId: string };
  'post.reactions_changed': { groupId: string; postId: string };
  /** A moderator's note under a published post was added, changed or removed. */
  'post.annotated': { groupId: string; postId: string };
  /** A moderator changed the topic of a published post: members' labels follow at once. */
  'post.topic_changed': {
    groupId: string;
    postId: string;
    topic: { id: string; name: string } | null;
  };
  /** The group's pinned posts changed (pinned or unpinned). */
  'pins.changed': { groupId: string };
  /** A decision on a pending post (approve/reject/undo) for the author and moderators. */
  'review.decided': {
    groupId: string;
    postId: string;
    authorId: string;
    action: 'approved' | 'rejected' | 'undone' | 'withdrawn';
    /** The author's view of the post as the decision stored it, when the emitter has it. */
    post?: OwnPostView;
  };
  'queue.changed': { groupId: string; postId?: string };
  /** Membership lost or restricted: sockets must leave rooms / be told at once. */
  'membership.changed': {
    groupId: string;
    userId: string;
    status: 'active' | 'removed' | 'left' | 'suspended' | 'muted';
  };
  /** Reports on a group's posts changed (new, handled): the moderators' reports tab refreshes. */
  'reports.changed': { groupId: string; postId: string };
  'notification.created': {
    userId: string;
    notificationId: string;
    /** The notification as its recipient sees it, when the emitter has everything it needs. */
    view?: NotificationView;
  };
  /** A private message was stored: delivered live to both participants' `user:<id>` rooms. */
  'pm.message': { threadId: string; messageId: string; participants: string[] };
  /** All of a user's live connections must end (logout everywhere, password change, erasure). */
  'user.sessions_revoked': { userId: string };
  /** One session ended (sign-out): the sockets opened with it must close. */
  'session.ended': { userId: string; sessionId: string };
}

export type DomainEventName = keyof DomainEventMap;

export class DomainEvents {
  private readonly emitter = new EventEmitter({ captureRejections: true });

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  /** Deliveries still running (listeners that read the database before they emit). */
  private readonly inFlight = new Set<Promise<unknown>>();

  /** Registers a listener's asynchronous work so `settled()` can wait for it. */
  track(work: Promise<unknown>): void {
    const done = work.finally(() => this.inFlight.delete(done));
    // Failures are the listener's to log; here only completion matters.
    done.catch(() => undefined);
    this.inFlight.add(done);
  }

  /**
   * Resolves once every tracked delivery has finished, including those started meanwhile:
   * shutdown lets them finish before the database closes; tests know when live delivery is done.
   */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  emit<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): void {
    this.emitter.emit(name, payload);
  }

  on<K extends DomainEventName>(
    name: K,
    listener: (payload: DomainEventMap[K]) => void,
  ): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
