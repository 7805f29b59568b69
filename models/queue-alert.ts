import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * The waiting-target watch on one queue entry: `dueAt` is when the post becomes late in covered
 * time (rota + business hours). The coverage job escalates it once (conditional update on
 * `escalatedAt: null`) to the next person on the rota and the group's advocates. Ids only.
 */
const queueAlertSchema = new Schema({
  post: { type: Schema.Types.ObjectId, ref: 'Post', required: true },
  group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
  /** The post's version when it entered the queue (a resubmission starts a new watch). */
  version: { type: Number, required: true },
  priority: { type: Boolean, default: false },
  createdAt: { type: Date, required: true },
  dueAt: { type: Date, default: null },
  alerted: { type: [Schema.Types.ObjectId], default: [] },
  escalatedAt: { type: Date, default: null },
  escalatedTo: { type: [Schema.Types.ObjectId], default: [] },
  /** Set when the post was decided or withdrawn before its target: nothing to escalate. */
  closedAt: { type: Date, default: null },
});
queueAlertSchema.index({ post: 1, version: 1 }, { unique: true });
queueAlertSchema.index({ escalatedAt: 1, closedAt: 1, dueAt: 1 });

export type QueueAlertFields = InferSchemaType<typeof queueAlertSchema>;
export type QueueAlertDoc = QueueAlertFields & { _id: Types.ObjectId };
export const QueueAlert = model('QueueAlert', queueAlertSchema);
