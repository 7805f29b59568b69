import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * A one-off alert that has been sent (e.g. "post X waited too long"), so a scheduler running every
 * minute sends it once. The unique key makes "send once" one insert; old markers expire.
 */
const sentAlertSchema = new Schema({
  key: { type: String, required: true },
  at: { type: Date, required: true },
});
sentAlertSchema.index({ key: 1 }, { unique: true });
sentAlertSchema.index({ at: 1 }, { expireAfterSeconds: 30 * 86_400 });

export type SentAlertFields = InferSchemaType<typeof sentAlertSchema>;
export type SentAlertDoc = SentAlertFields & { _id: Types.ObjectId };
export const SentAlert = model('SentAlert', sentAlertSchema);
