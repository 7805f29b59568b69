import { InferSchemaType, Schema, model, Types } from 'mongoose';

/** How many posts a group may have pinned at once. */
export const PIN_CAP = 3;

/**
 * A post pinned to the top of its group's conversation. The cap holds without transactions:
 * each pin takes one of PIN_CAP numbered slots, and the unique (group, slot) index refuses a
 * second pin in a taken slot, so two moderators pinning at once can never exceed the cap. The
 * unique `post` index makes pinning the same post twice a no-op.
 */
const pinnedPostSchema = new Schema({
  group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
  post: { type: Schema.Types.ObjectId, ref: 'Post', required: true },
  slot: { type: Number, required: true, min: 0 },
  by: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  at: { type: Date, required: true },
});
pinnedPostSchema.index({ group: 1, slot: 1 }, { unique: true });
pinnedPostSchema.index({ post: 1 }, { unique: true });

export type PinnedPostFields = InferSchemaType<typeof pinnedPostSchema>;
export type PinnedPostDoc = PinnedPostFields & { _id: Types.ObjectId };
export const PinnedPost = model('PinnedPost', pinnedPostSchema);
