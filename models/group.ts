import { InferSchemaType, Schema, model, Types } from 'mongoose';

/** A numbered rule of a group; `ruleId` is stable so decisions can cite it across edits. */
const ruleSchema = new Schema(
  {
    ruleId: { type: String, required: true },
    title: { type: String, required: true, maxlength: 200 },
    body: { type: String, default: '', maxlength: 2000 },
  },
  { _id: false },
);

const questionSchema = new Schema(
  {
    questionId: { type: String, required: true },
    text: { type: String, required: true, maxlength: 500 },
  },
  { _id: false },
);

/**
 * A conversation topic. `topicId` is stable (posts keep it across renames); a retired topic
 * stays on old posts but is no longer offered in the composer.
 */
const topicSchema = new Schema(
  {
    topicId: { type: String, required: true, maxlength: 40 },
    name: { type: String, required: true, maxlength: 40 },
    retired: { type: Boolean, default: false },
  },
  { _id: false },
);

const supportContactSchema = new Schema(
  {
    label: { type: String, required: true, maxlength: 200 },
    detail: { type: String, required: true, maxlength: 200 },
  },
  { _id: false },
);

/**
 * A private support group. Its public page shows name, description, disclaimer, rules, business
 * hours and the invitation request form; everything inside is for members only.
 */
const groupSchema = new Schema(
  {
    slug: { type: String, required: true, lowercase: true, trim: true },
    name: { type: String, required: true, trim: true, maxlength: 120 },
    description: { type: String, default: '', maxlength: 5000 },
    howToJoin: { type: String, default: '', maxlength: 2000 },
    /** Hidden groups have no public page either: everything answers 404 to non-members. */
    hidden: { type: Boolean, default: false },
    rules: { type: [ruleSchema], default: [] },
    rulesVersion: { type: Number, default: 1 },
    disclaimer: { type: String, default: '', maxlength: 5000 },
    disclaimerVersion: { type: Number, default: 1 },
    businessHours: {
      days: { type: [Number], default: [1, 2, 3, 4, 5] }, // ISO weekday, 1 = Monday
      start: { type: String, default: '09:00' },
      end: { type: String, default: '17:00' },
      timeZone: { type: String, default: 'Europe/Dublin' },
    },
    questions: { type: [questionSchema], default: [] },
    supportContacts: { type: [supportContactSchema], default: undefined },
    privacyStatement: { type: String, default: '', maxlength: 5000 },
    complaintsProcess: { type: String, default: '', maxlength: 5000 },
    /** Who to contact with a complaint (shown with the process on the public page). */
    complaintsContact: { type: String, default: '', maxlength: 500 },
    /** Ordered; unset means the defaults (server/services/topics.ts) until moderators edit them. */
    topics: { type: [topicSchema], default: undefined },
    /** Moves on every change of `topics`: edits are conditional on it, so none is lost. */
    topicsVersion: { type: Number, default: 0 },
    settings: {
      privateMessages: { type: Boolean, default: false },
      responseTargetMinutes: { type: Number, default: 30 },
      crisisTargetMinutes: { type: Number, default: 5 },
      minimumAge: { type: Number, default: 18 },
      /** Moderators are warned after this many days without a new approved post (0: never). */
      quietDays: { type: Number, default: 7 },
    },
    /** Last sequence number given to a published post; clients catch up by sequence. */
    lastSeq: { type: Number, default: 0 },
    createdBy: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { timestamps: true },
);
groupSchema.index({ slug: 1 }, { unique: true });

export type GroupFields = InferSchemaType<typeof groupSchema>;
export type GroupDoc = GroupFields & { _id: Types.ObjectId };
export const Group = model('Group', groupSchema);
