import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * Evidence of a threat, taken the moment a moderator escalates it: the text as submitted and
 * every revision until then, timestamps, group, the author's pseudonymous id and who escalated,
 * with a SHA-256 over all of it (also chained into the audit log). Kept apart from the post so
 * the author's edit, withdrawal or account erasure cannot change it (legal hold). Administrators
 * only. `snapshot` and `sha256` are never updated; contacts with the police are appended.
 */
const contactSchema = new Schema(
  {
    by: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    at: { type: Date, required: true },
    agency: { type: String, required: true, maxlength: 200 },
    reference: { type: String, required: true, maxlength: 200 },
    recordedAt: { type: Date, required: true },
  },
  { _id: false },
);

const threatCaseSchema = new Schema({
  post: { type: Schema.Types.ObjectId, ref: 'Post', required: true },
  group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
  escalatedBy: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  escalatedAt: { type: Date, required: true },
  /** Canonical JSON of the evidence, exactly as hashed. */
  snapshot: { type: String, required: true },
  sha256: { type: String, required: true },
  legalHold: { type: Boolean, default: true },
  contacts: { type: [contactSchema], default: [] },
});
threatCaseSchema.index({ post: 1 }, { unique: true });
threatCaseSchema.index({ escalatedAt: -1 });

export type ThreatCaseFields = InferSchemaType<typeof threatCaseSchema>;
export type ThreatCaseDoc = ThreatCaseFields & { _id: Types.ObjectId };
export const ThreatCase = model('ThreatCase', threatCaseSchema);
