import { InferSchemaType, Schema, model, Types } from 'mongoose';

export const REPORT_STATUSES = ['open', 'actioned', 'dismissed'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/**
 * A member's report of a published post or reply, citing a rule. One per (post, reporter): a
 * second report by the same person updates the first. The reporter is never shown to the
 * reported member (nor, in the moderators' view, by name: the report speaks for itself).
 */
const reportSchema = new Schema({
  group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
  post: { type: Schema.Types.ObjectId, ref: 'Post', required: true },
  reporter: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  ruleId: { type: String, required: true },
  note: { type: String, default: '', maxlength: 1000 },
  status: { type: String, enum: REPORT_STATUSES, default: 'open', required: true },
  createdAt: { type: Date, required: true },
  handledBy: { type: Schema.Types.ObjectId, ref: 'User', default: null },
  handledAt: { type: Date, default: null },
});
reportSchema.index({ post: 1, reporter: 1 }, { unique: true });
reportSchema.index({ group: 1, status: 1, createdAt: 1 });
reportSchema.index({ group: 1, handledAt: 1 });

export type ReportFields = InferSchemaType<typeof reportSchema>;
export type ReportDoc = ReportFields & { _id: Types.ObjectId };
export const Report = model('Report', reportSchema);
