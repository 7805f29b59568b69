import { InferSchemaType, Schema, model, Types } from 'mongoose';

export const EMAIL_MODES = ['off', 'immediately', 'daily'] as const;
export type EmailMode = (typeof EMAIL_MODES)[number];
export const EMAIL_MENTIONS = ['nothing', 'group'] as const;
export type EmailMention = (typeof EMAIL_MENTIONS)[number];

/**
 * One member's notification choices. Absent document = defaults: every kind in-app, no e-mail,
 * e-mails mention nothing. The digest counters collect what a daily e-mail will summarise, so
 * the digest never has to read notification contents.
 */
const notificationSettingsSchema = new Schema({
  user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  /** Kinds the member turned off in the app. */
  inAppOff: { type: [String], default: [] },
  /** Per kind: 'off' (default), 'immediately' or 'daily'. */
  email: { type: Schema.Types.Mixed, default: {} },
  mention: { type: String, enum: EMAIL_MENTIONS, default: 'nothing' },
  digestPending: { type: Number, default: 0 },
  digestGroups: { type: [Schema.Types.ObjectId], default: [] },
  lastDigestAt: { type: Date, default: null },
  updatedAt: { type: Date },
});
notificationSettingsSchema.index({ user: 1 }, { unique: true });
notificationSettingsSchema.index({ digestPending: 1 });

export type NotificationSettingsFields = InferSchemaType<typeof notificationSettingsSchema>;
export type NotificationSettingsDoc = NotificationSettingsFields & { _id: Types.ObjectId };
export const NotificationSettings = model('NotificationSettings', notificationSettingsSchema);
