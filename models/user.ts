import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * A person with an account. The e-mail address and the real name are private: other members only
 * ever see `displayName` (a pseudonym is welcome).
 */
const userSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true },
    displayName: { type: String, required: true, trim: true, maxlength: 60 },
    passwordHash: { type: String, required: true },
    siteRole: { type: String, enum: ['member', 'admin'], default: 'member', required: true },
    status: {
      type: String,
      enum: ['active', 'erased', 'memorial'],
      default: 'active',
      required: true,
    },
    /** May post on behalf of the organisation (staff badge). Set by administrators. */
    isStaff: { type: Boolean, default: false },
    /** Bumped to end every other session (password change, sign out everywhere). */
    sessionEpoch: { type: Number, default: 0 },
    totp: {
      secret: { type: String },
      enabledAt: { type: Date },
      /** SHA-256 of each unused recovery code. */
      recoveryCodeHashes: { type: [String], default: undefined },
      /** Last TOTP time step accepted: a code is never accepted twice (replay). */
      lastTimeStep: { type: Number },
    },
    lastLoginAt: { type: Date },
  },
  { timestamps: true },
);
userSchema.index({ email: 1 }, { unique: true });

export type UserFields = InferSchemaType<typeof userSchema>;
export type UserDoc = UserFields & { _id: Types.ObjectId };
export const User = model('User', userSchema);
