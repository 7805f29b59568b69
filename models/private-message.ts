import { InferSchemaType, Schema, model, Types } from 'mongoose';

/** One private message in a PmThread. Stored before it is acknowledged or delivered. */
const privateMessageSchema = new Schema({
  thread: { type: Schema.Types.ObjectId, ref: 'PmThread', required: true },
  sender: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  body: { type: String, required: true, maxlength: 5000 },
  sentAt: { type: Date, required: true },
});
privateMessageSchema.index({ thread: 1, sentAt: 1 });
privateMessageSchema.index({ sender: 1 });

export type PrivateMessageFields = InferSchemaType<typeof privateMessageSchema>;
export type PrivateMessageDoc = PrivateMessageFields & { _id: Types.ObjectId };
export const PrivateMessage = model('PrivateMessage', privateMessageSchema);
