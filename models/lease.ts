import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * A named lease: whoever holds an unexpired lease runs the job; everyone else skips. Taken by a
 * conditional upsert (see server/services/jobs.ts), so two instances never both hold it.
 */
const leaseSchema = new Schema({
  name: { type: String, required: true },
  holder: { type: String, required: true },
  expiresAt: { type: Date, required: true },
  takenAt: { type: Date, required: true },
});
leaseSchema.index({ name: 1 }, { unique: true });

export type LeaseFields = InferSchemaType<typeof leaseSchema>;
export type LeaseDoc = LeaseFields & { _id: Types.ObjectId };
export const Lease = model('Lease', leaseSchema);
