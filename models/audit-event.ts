import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * Append-only audit trail: who did what to what, when, and under which rule. Never a post body,
 * never an e-mail address. `key` makes a retried write idempotent (e.g. post id + version);
 * `hash` chains each event to the previous one so tampering is detectable.
 */
const auditEventSchema = new Schema({
  key: { type: String, required: true },
  action: { type: String, required: true },
  actor: { type: Schema.Types.ObjectId, ref: 'User', default: null },
  group: { type: Schema.Types.ObjectId, ref: 'Group', default: null },
  targetType: { type: String, required: true },
  targetId: { type: String, required: true },
  ruleId: { type: String },
  /** A moderator's reason or note about a decision (never the member's text). */
  reason: { type: String, maxlength: 2000 },
  /** Small typed facts per action (roles granted, counts); ids and codes only. */
  meta: { type: Schema.Types.Mixed },
  /** SHA-256 of (reason, meta): what the chain covers, so retention can drop old details. */
  detailDigest: { type: String },
  /** When retention removed reason/meta (the digest stays, the chain still verifies). */
  detailPurgedAt: { type: Date, default: null },
  at: { type: Date, required: true },
  seq: { type: Number, required: true },
  prevHash: { type: String, required: true },
  hash: { type: String, required: true },
});
auditEventSchema.index({ key: 1 }, { unique: true });
auditEventSchema.index({ seq: 1 }, { unique: true });
auditEventSchema.index({ group: 1, at: -1 });
auditEventSchema.index({ actor: 1, at: -1 });
// Decisions about one post or membership (a member's own decisions page).
auditEventSchema.index({ targetType: 1, targetId: 1 });

export type AuditEventFields = InferSchemaType<typeof auditEventSchema>;
export type AuditEventDoc = AuditEventFields & { _id: Types.ObjectId };
export const AuditEvent = model('AuditEvent', auditEventSchema);
