import { InferSchemaType, Schema, model, Types } from 'mongoose';

/** A visitor's request, from a group's public page, to be invited. Decided by an advocate. */
const joinRequestSchema = new Schema(
  {
    group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
    email: { type: String, required: true, lowercase: true, trim: true },
    answers: {
      type: [{ _id: false, questionId: String, answer: { type: String, maxlength: 2000 } }],
      default: [],
    },
    // already_member: asked with the address of a member; answered by e-mail at once and never
    // shown to advocates (stored like any request so the answer takes the same time).
    status: {
      type: String,
      enum: ['pending', 'approved', 'declined', 'already_member'],
      default: 'pending',
      required: true,
    },
    decidedBy: { type: Schema.Types.ObjectId, ref: 'User' },
    decidedAt: { type: Date },
    message: { type: String, maxlength: 2000 },
    invitation: { type: Schema.Types.ObjectId, ref: 'Invitation' },
  },
  { timestamps: true },
);
joinRequestSchema.index({ group: 1, status: 1, createdAt: 1 });
// Asking again finds the open request of this address in this group.
joinRequestSchema.index({ group: 1, email: 1, status: 1 });

export type JoinRequestFields = InferSchemaType<typeof joinRequestSchema>;
export type JoinRequestDoc = JoinRequestFields & { _id: Types.ObjectId };
export const JoinRequest = model('JoinRequest', joinRequestSchema);
