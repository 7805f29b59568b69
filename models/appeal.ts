import { InferSchemaType, Schema, model, Types } from 'mongoose';

export const APPEAL_OUTCOMES = ['upheld', 'overturned'] as const;
export type AppealOutcome = (typeof APPEAL_OUTCOMES)[number];

/**
 * A member's appeal against one decision about their content or account. The decision is the
 * audit event that recorded it (`decision`, unique: one appeal per decision). It is assigned to a
 * moderator other than the one who decided, where the group has one.
 */
const appealSchema = new Schema({
  decision: { type: Schema.Types.ObjectId, ref: 'AuditEvent', required: true },
  group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
  appellant: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  /** What was decided (copied from the audit event, ids and codes only). */
  action: { type: String, required: true },
  targetType: { type: String, required: true },
  targetId: { type: String, required: true },
  ruleId: { type: String, default: null },
  decidedBy: { type: Schema.Types.ObjectId, ref: 'User', default: null },
  assignedTo: { type: Schema.Types.ObjectId, ref: 'User', default: null },
  /** The member's own words: shown to moderators of the group only, never logged or audited. */
  statement: { type: String, default: '', maxlength: 2000 },
  status: { type: String, enum: ['open', 'closed'], default: 'open', required: true },
  outcome: { type: String, enum: APPEAL_OUTCOMES, default: null },
  outcomeNote: { type: String, default: '', maxlength: 2000 },
  outcomeBy: { type: Schema.Types.ObjectId, ref: 'User', default: null },
  createdAt: { type: Date, required: true },
  closedAt: { type: Date, default: null },
});
appealSchema.index({ decision: 1 }, { unique: true });
appealSchema.index({ group: 1, status: 1, createdAt: 1 });
appealSchema.index({ appellant: 1 });

export type AppealFields = InferSchemaType<typeof appealSchema>;
export type AppealDoc = AppealFields & { _id: Types.ObjectId };
export const Appeal = model('Appeal', appealSchema);
