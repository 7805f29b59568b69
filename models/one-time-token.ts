import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * Single-use secrets other than invitations (first-run administrator setup, password reset).
 * Only the SHA-256 of the token is stored; use is one conditional update on usedAt: null.
 */
const oneTimeTokenSchema = new Schema({
  purpose: { type: String, enum: ['setup', 'password_reset'], required: true },
  tokenHash: { type: String, required: true },
  user: { type: Schema.Types.ObjectId, ref: 'User', default: null },
  expiresAt: { type: Date, required: true },
  usedAt: { type: Date, default: null },
  createdAt: { type: Date, required: true },
});
oneTimeTokenSchema.index({ tokenHash: 1 }, { unique: true });
// "Invalidate the older links of this person" (password reset) finds them by user.
oneTimeTokenSchema.index({ user: 1, purpose: 1 });
// Spent or expired secrets are of no use: the database drops them a week after they expire.
oneTimeTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 7 * 86_400 });

export type OneTimeTokenFields = InferSchemaType<typeof oneTimeTokenSchema>;
export type OneTimeTokenDoc = OneTimeTokenFields & { _id: Types.ObjectId };
export const OneTimeToken = model('OneTimeToken', oneTimeTokenSchema);
