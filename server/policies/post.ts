import type { PostStatus } from '../../models/post';

/**
 * Pure rules about posts. Callers pass the facts (who is looking, the post's state); the services
 * load them. A "no" for something the viewer may not know exists becomes 404 in the service.
 */
export interface ViewerFacts {
  userId: string;
  /** An active member who may enter the group (not removed, not suspended). */
  isMember: boolean;
  isModerator: boolean;
}

export interface PostFacts {
  authorId: string;
  status: PostStatus;
  claimBy?: string | null;
  claimUntil?: Date | null;
  decisionBy?: string | null;
  undoUntil?: Date | null;
}

/** Approved posts to members; everything else only to its author and the group's moderators. */
export function canSeePost(viewer: ViewerFacts, post: PostFacts): boolean {
  if (!viewer.isMember && !viewer.isModerator) return false;
  if (post.status === 'approved') return true;
  if (post.status === 'hidden') return viewer.isModerator;
  return viewer.isModerator || viewer.userId === post.authorId;
}

/** The author may change or take back their post while it waits (never once it is decided). */
export function canEditPost(viewer: ViewerFacts, post: PostFacts): boolean {
  return viewer.isMember && viewer.userId === post.authorId && post.status === 'pending';
}

export function canWithdrawPost(viewer: ViewerFacts, post: PostFacts): boolean {
  return (
    viewer.isMember &&
    viewer.userId === post.authorId &&
    (post.status === 'pending' || post.status === 'rejected')
  );
}

/** A rejected post can be revised and sent back to the queue by its author. */
export function canResubmitPost(viewer: ViewerFacts, post: PostFacts): boolean {
  return viewer.isMember && viewer.userId === post.authorId && post.status === 'rejected';
}

/** Supportive reactions need no review, but only on what the group can already see. */
export function canReact(viewer: ViewerFacts, post: PostFacts): boolean {
  return viewer.isMember && post.status === 'approved';
}

export function claimActive(post: PostFacts, now: Date): boolean {
  return !!post.claimBy && !!post.claimUntil && post.claimUntil.getTime() > now.getTime();
}

/** Whose claim stands in the way of this moderator, if anyone's. */
export function claimedByOther(viewer: ViewerFacts, post: PostFacts, now: Date): boolean {
  return claimActive(post, now) && post.claimBy !== viewer.userId;
}

/** Moderators decide pending posts that nobody else is reviewing right now. */
export function canDecide(viewer: ViewerFacts, post: PostFacts, now: Date): boolean {
  return viewer.isModerator && post.status === 'pending' && !claimedByOther(viewer, post, now);
}

export function canClaim(viewer: ViewerFacts, post: PostFacts, now: Date): boolean {
  return canDecide(viewer, post, now);
}

/** Only the moderator who decided, and only for a short while. */
export function canUndo(viewer: ViewerFacts, post: PostFacts, now: Date): boolean {
  return (
    viewer.isModerator &&
    (post.status === 'approved' || post.status === 'rejected') &&
    !!post.decisionBy &&
    post.decisionBy === viewer.userId &&
    !!post.undoUntil &&
    post.undoUntil.getTime() > now.getTime()
  );
}

export type ReviewAction = 'approve' | 'reject' | 'edit_approve' | 'claim' | 'release' | 'undo';

/** The actions offered to this moderator for this item, computed from state. */
export function reviewActions(viewer: ViewerFacts, post: PostFacts, now: Date): ReviewAction[] {
  const actions: ReviewAction[] = [];
  if (canDecide(viewer, post, now)) {
    actions.push('approve', 'reject', 'edit_approve');
    if (!claimActive(post, now)) actions.push('claim');
    else actions.push('release');
  }
  if (canUndo(viewer, post, now)) actions.push('undo');
  return actions;
}
