import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * A private conversation between two members. It starts as a request; messages can be written
 * only once the recipient accepts. Either person can block it. A report opens it to moderators of
 * the named shared group, and every moderator read is kept here so both people can see it.
 */
const pmThreadSchema = new Schema({
  /** The two people, lower id first; `pairKey` makes one thread per pair. */
  participants: { type: [Schema.Types.ObjectId], ref: 'User', required: true },
  pairKey: { type: String, required: true },
  requestedBy: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  /** The shared group (with private messages on) through which the request was made. */
  group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
  status: {
    type: String,
    enum: ['requested', 'accepted', 'declined'],
    default: 'requested',
    required: true,
  },
  blockedBy: { type: Schema.Types.ObjectId, ref: 'User', default: null },
  createdAt: { type: Date, required: true },
  acceptedAt: { type: Date, default: null },
  lastMessageAt: { type: Date, default: null },
  reports: {
    type: [
      {
        _id: false,
        by: { type: Schema.Types.ObjectId, ref: 'User' },
        group: { type: Schema.Types.ObjectId, ref: 'Group' },
        at: Date,
        reason: { type: String, maxlength: 1000 },
      },
    ],
    default: [],
  },
  moderatorReads: {
    type: [
      {
        _id: false,
        by: { type: Schema.Types.ObjectId, ref: 'User' },
        group: { type: Schema.Types.ObjectId, ref: 'Group' },
        at: Date,
      },
    ],
    default: [],
  },
});
pmThreadSchema.index({ pairKey: 1 }, { unique: true });
pmThreadSchema.index({ participants: 1, lastMessageAt: -1 });
pmThreadSchema.index({ 'reports.group': 1 });

export type PmThreadFields = InferSchemaType<typeof pmThreadSchema>;
export type PmThreadDoc = PmThreadFields & { _id: Types.ObjectId };
export const PmThread = model('PmThread', pmThreadSchema);
