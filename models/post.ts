import { InferSchemaType, Schema, model, Types } from 'mongoose';

export const POST_STATUSES = [
  'pending',
  'approved',
  'rejected',
  'withdrawn',
  'hidden',
  // A staff announcement waiting for its publication time: never visible to members before then.
  'scheduled',
] as const;
export type PostStatus = (typeof POST_STATUSES)[number];

export const SCREENING_KINDS = [
  'profanity',
  'link',
  'attachment',
  'medical_question',
  'personal_information',
  'crisis',
  'threat',
] as const;
export type ScreeningKind = (typeof SCREENING_KINDS)[number];

export const REACTION_KINDS = ['heart', 'hug', 'pray', 'clap'] as const;
export type ReactionKind = (typeof REACTION_KINDS)[number];

/**
 * A post or a reply (parent set; one level of threading). Pending, rejected and withdrawn posts
 * are visible to their author and the group's moderators only: every member-facing read goes
 * through `visibleToMembers()` in the post service.
 *
 * State: pending → approved | rejected | withdrawn; approved → hidden → approved (restore);
 * rejected → pending (revised and resubmitted); scheduled → approved (an announcement published
 * at its time) | withdrawn (cancelled). Every decision is one conditional update on
 * (status, version), which also pushes the history entry.
 */
const postSchema = new Schema(
  {
    group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
    author: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    parent: { type: Schema.Types.ObjectId, ref: 'Post', default: null },
    body: { type: String, required: true, maxlength: 5000 },
    topic: { type: String, default: null },
    status: { type: String, enum: POST_STATUSES, default: 'pending', required: true },
    version: { type: Number, default: 1, required: true },
    /** Client-chosen key so a retried submission is stored once. Unique per author. */
    idempotencyKey: { type: String, required: true },
    submittedAt: { type: Date, required: true },
    /** Group sequence number given at publication; catch-up after a reconnect reads by it. */
    seq: { type: Number, default: null },
    publishedAt: { type: Date, default: null },
    lane: { type: String, enum: ['priority', 'normal'], default: 'normal', required: true },
    findings: {
      type: [{ _id: false, kind: { type: String, enum: SCREENING_KINDS }, detail: String }],
      default: [],
    },
    claim: {
      by: { type: Schema.Types.ObjectId, ref: 'User', default: null },
      byName: { type: String },
      until: { type: Date, default: null },
    },
    decision: {
      action: { type: String, enum: ['approved', 'rejected', 'hidden', 'restored'] },
      by: { type: Schema.Types.ObjectId, ref: 'User' },
      byName: { type: String },
      at: { type: Date },
      ruleId: { type: String },
      note: { type: String, maxlength: 2000 },
      /** Decisions can be undone until then (by the moderator who made them). */
      undoUntil: { type: Date },
      /** The status before the decision, restored by undo. */
      previousStatus: { type: String, enum: POST_STATUSES },
    },
    /** Earlier texts (author revisions and moderator edits), oldest first. */
    revisions: {
      type: [
        {
          _id: false,
          body: String,
          at: Date,
          by: { type: Schema.Types.ObjectId, ref: 'User' },
          reason: { type: String, enum: ['author_edit', 'resubmitted', 'moderator_edit'] },
        },
      ],
      default: [],
    },
    editedByModerator: { type: Boolean, default: false },
    history: {
      type: [
        {
          _id: false,
          action: String,
          by: { type: Schema.Types.ObjectId, ref: 'User' },
          at: Date,
          ruleId: String,
          fromStatus: String,
          toStatus: String,
        },
      ],
      default: [],
    },
    reactionCounts: {
      heart: { type: Number, default: 0 },
      hug: { type: Number, default: 0 },
      pray: { type: Number, default: 0 },
      clap: { type: Number, default: 0 },
    },
    /** For top-level posts: approved replies, and the last published activity in the thread. */
    replyCount: { type: Number, default: 0 },
    lastActivityAt: { type: Date, default: null },
    /** Written by a staff account on behalf of the organisation ("Organisation" badge). */
    asOrganisation: { type: Boolean, default: false },
    /** The organisation's generic reply attached by a moderator on approval (shown under it). */
    orgReply: {
      type: new Schema(
        {
          body: { type: String, required: true, maxlength: 5000 },
          by: { type: Schema.Types.ObjectId, ref: 'User' },
          at: { type: Date, required: true },
        },
        { _id: false },
      ),
      default: null,
    },
    /** A staff announcement: written ahead and published by the scheduler at `publishAt`. */
    announcement: {
      type: new Schema(
        {
          publishAt: { type: Date, required: true },
          scheduledBy: { type: Schema.Types.ObjectId, ref: 'User', required: true },
          cancelledAt: { type: Date, default: null },
        },
        { _id: false },
      ),
      default: null,
    },
    /** A moderator's corrective note shown under the post, with links to reliable sources. */
    modNote: {
      type: new Schema(
        {
          body: { type: String, required: true, maxlength: 1000 },
          links: {
            type: [
              {
                _id: false,
                url: { type: String, required: true, maxlength: 2000 },
                label: { type: String, default: '', maxlength: 200 },
              },
            ],
            default: [],
          },
          by: { type: Schema.Types.ObjectId, ref: 'User' },
          at: { type: Date, required: true },
        },
        { _id: false },
      ),
      default: null,
    },
  },
  { timestamps: true },
);
postSchema.index({ author: 1, idempotencyKey: 1 }, { unique: true });
postSchema.index({ group: 1, seq: 1 });
// A group's threads, newest activity first, _id breaking ties (the page cursor): the index
// serves that whole order, so a page reads its 20 threads, not all of them.
postSchema.index({ group: 1, status: 1, parent: 1, lastActivityAt: -1, _id: -1 });
postSchema.index({ group: 1, status: 1, lane: 1, submittedAt: 1 });
postSchema.index({ parent: 1, status: 1, seq: 1 });
// The author's own waiting posts on the conversation page; the last week's decision times.
postSchema.index({ group: 1, author: 1, status: 1 });
postSchema.index({ group: 1, 'decision.at': -1 });
// Scheduled announcements that are due (the scheduler's query), and a group's calendar.
postSchema.index({ status: 1, 'announcement.publishAt': 1 });
postSchema.index({ group: 1, 'announcement.publishAt': 1 });

export type PostFields = InferSchemaType<typeof postSchema>;
export type PostDoc = PostFields & { _id: Types.ObjectId };
export const Post = model('Post', postSchema);
