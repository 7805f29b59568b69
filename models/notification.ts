import { InferSchemaType, Schema, model, Types } from 'mongoose';

export const NOTIFICATION_KINDS = [
  'post_approved',
  'post_rejected',
  'post_edited_by_moderator',
  'post_hidden',
  'reply',
  'reactions',
  'invitation_accepted',
  'queue_item',
  'queue_waiting',
  'threat_alert',
  'document_version',
  'membership_changed',
  'report_received',
  'appeal_assigned',
  'appeal_decided',
  'private_message',
  'pm_reported',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** An in-app notification for one person. `data` holds ids and codes, never another's text. */
const notificationSchema = new Schema({
  user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  kind: { type: String, enum: NOTIFICATION_KINDS, required: true },
  group: { type: Schema.Types.ObjectId, ref: 'Group', default: null },
  post: { type: Schema.Types.ObjectId, ref: 'Post', default: null },
  data: { type: Schema.Types.Mixed, default: {} },
  createdAt: { type: Date, required: true },
  readAt: { type: Date, default: null },
});
notificationSchema.index({ user: 1, createdAt: -1 });
notificationSchema.index({ user: 1, readAt: 1 });

export type NotificationFields = InferSchemaType<typeof notificationSchema>;
export type NotificationDoc = NotificationFields & { _id: Types.ObjectId };
export const Notification = model('Notification', notificationSchema);
