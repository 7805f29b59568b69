import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * An advocate's invitation into a group: bound to one e-mail address (one use) or a link with a
 * maximum number of uses. Only the SHA-256 of the 32-byte token is stored. Redemption is one
 * conditional update on (tokenHash, not revoked, not expired, usesLeft > 0).
 */
const invitationSchema = new Schema(
  {
    group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
    createdBy: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    kind: { type: String, enum: ['email', 'link'], required: true },
    email: { type: String, lowercase: true, trim: true },
    tokenHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    maxUses: { type: Number, required: true, min: 1 },
    usesLeft: { type: Number, required: true, min: 0 },
    revokedAt: { type: Date, default: null },
    redemptions: {
      type: [
        {
          _id: false,
          user: { type: Schema.Types.ObjectId, ref: 'User' },
          at: { type: Date },
        },
      ],
      default: [],
    },
    joinRequest: { type: Schema.Types.ObjectId, ref: 'JoinRequest' },
  },
  { timestamps: true },
);
invitationSchema.index({ tokenHash: 1 }, { unique: true });
invitationSchema.index({ group: 1, createdAt: -1 });

export type InvitationFields = InferSchemaType<typeof invitationSchema>;
export type InvitationDoc = InvitationFields & { _id: Types.ObjectId };
export const Invitation = model('Invitation', invitationSchema);
