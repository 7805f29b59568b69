import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * The development outbox: without SMTP_URL, e-mails land here and administrators read them in the
 * app. With SMTP_URL nothing is stored here.
 */
const outboxEmailSchema = new Schema({
  to: { type: String, required: true },
  subject: { type: String, required: true },
  text: { type: String, required: true },
  createdAt: { type: Date, required: true },
});
outboxEmailSchema.index({ createdAt: -1 });

export type OutboxEmailFields = InferSchemaType<typeof outboxEmailSchema>;
export type OutboxEmailDoc = OutboxEmailFields & { _id: Types.ObjectId };
export const OutboxEmail = model('OutboxEmail', outboxEmailSchema);
