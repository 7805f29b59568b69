import { InferSchemaType, Schema, model, Types } from 'mongoose';
import { REACTION_KINDS } from './post';

/** A supportive reaction on an approved post. One per (post, user, kind); no review needed. */
const reactionSchema = new Schema(
  {
    post: { type: Schema.Types.ObjectId, ref: 'Post', required: true },
    group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
    user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    kind: { type: String, enum: REACTION_KINDS, required: true },
  },
  { timestamps: true },
);
reactionSchema.index({ post: 1, user: 1, kind: 1 }, { unique: true });

export type ReactionFields = InferSchemaType<typeof reactionSchema>;
export type ReactionDoc = ReactionFields & { _id: Types.ObjectId };
export const Reaction = model('Reaction', reactionSchema);
