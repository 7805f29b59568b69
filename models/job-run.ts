import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * The outcome of one run of a scheduled job (retention, digest): counts only, never content.
 * Failures are shown on the administrators' page rather than only logged.
 */
const jobRunSchema = new Schema({
  name: { type: String, required: true },
  startedAt: { type: Date, required: true },
  finishedAt: { type: Date, required: true },
  ok: { type: Boolean, required: true },
  counts: { type: Schema.Types.Mixed, default: {} },
  /** A short error code/message (no personal data). */
  error: { type: String, default: null, maxlength: 500 },
});
jobRunSchema.index({ name: 1, startedAt: -1 });

export type JobRunFields = InferSchemaType<typeof jobRunSchema>;
export type JobRunDoc = JobRunFields & { _id: Types.ObjectId };
export const JobRun = model('JobRun', jobRunSchema);
