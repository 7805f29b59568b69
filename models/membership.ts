import { InferSchemaType, Schema, model, Types } from 'mongoose';

export const GROUP_ROLES = ['member', 'moderator', 'advocate'] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];
export const UNTIL_LIFTED = new Date('9999-12-31T00:00:00Z');

/**
 * A person's place in a group. `status` is the lasting state; mute and suspension are sanctions
 * that end on their own at `mutedUntil`/`suspendedUntil` (null: none; "until lifted" is stored
 * as UNTIL_LIFTED, a date far in the future).
 */
const membershipSchema = new Schema(
  {
    user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
    roles: { type: [String], enum: GROUP_ROLES, default: ['member'] },
    status: {
      type: String,
      enum: ['active', 'removed', 'left'],
      default: 'active',
      required: true,
    },
    mutedUntil: { type: Date, default: null },
    suspendedUntil: { type: Date, default: null },
    joinedAt: { type: Date, required: true },
    endedAt: { type: Date, default: null },
    /** Highest published sequence this member has read (unread marker and counts). */
    lastReadSeq: { type: Number, default: 0 },
    invitation: { type: Schema.Types.ObjectId, ref: 'Invitation' },
  },
  { timestamps: true },
);
membershipSchema.index({ user: 1, group: 1 }, { unique: true });
membershipSchema.index({ group: 1, status: 1 });
// A group's moderators (or advocates) are read on every page and post of the group: through this
// index a group of 1,000 members costs as much as a group of 20, instead of reading every member.
membershipSchema.index({ group: 1, roles: 1, status: 1 });

export type MembershipFields = InferSchemaType<typeof membershipSchema>;
export type MembershipDoc = MembershipFields & { _id: Types.ObjectId };
export const Membership = model('Membership', membershipSchema);
