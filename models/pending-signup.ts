import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * Someone without an account used an invitation: what they entered waits here until they open
 * the link e-mailed to the address (only the link token's SHA-256 is stored). The password is
 * already hashed. When the address already has an account, the record holds nothing personal
 * (`existingAccount`): it is written only so both answers take the same time, and never works.
 * The database drops every record when it expires.
 */
const pendingSignupSchema = new Schema({
  tokenHash: { type: String, required: true },
  invitation: { type: Schema.Types.ObjectId, ref: 'Invitation', required: true },
  existingAccount: { type: Boolean, required: true },
  email: { type: String, default: '' },
  displayName: { type: String, default: '' },
  passwordHash: { type: String, default: '' },
  /** Document kinds the person ticked (checked again on confirmation). */
  accepted: { type: [String], default: [] },
  expiresAt: { type: Date, required: true },
  usedAt: { type: Date, default: null },
  createdAt: { type: Date, required: true },
});
pendingSignupSchema.index({ tokenHash: 1 }, { unique: true });
pendingSignupSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type PendingSignupFields = InferSchemaType<typeof pendingSignupSchema>;
export type PendingSignupDoc = PendingSignupFields & { _id: Types.ObjectId };
export const PendingSignup = model('PendingSignup', pendingSignupSchema);
