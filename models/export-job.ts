import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * A member's request for a copy of their data, prepared in the background. The finished archive
 * (JSON and a readable HTML copy) is kept here until `expiresAt`, then deleted.
 */
const exportJobSchema = new Schema({
  user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  status: {
    type: String,
    enum: ['queued', 'running', 'ready', 'failed'],
    default: 'queued',
    required: true,
  },
  /** 0–100, shown on the page while the copy is being prepared. */
  progress: { type: Number, default: 0 },
  requestedAt: { type: Date, required: true },
  finishedAt: { type: Date, default: null },
  expiresAt: { type: Date, default: null },
  json: { type: String, default: null },
  html: { type: String, default: null },
  error: { type: String, default: null },
});
exportJobSchema.index({ user: 1, requestedAt: -1 });
exportJobSchema.index({ status: 1 });

export type ExportJobFields = InferSchemaType<typeof exportJobSchema>;
export type ExportJobDoc = ExportJobFields & { _id: Types.ObjectId };
export const ExportJob = model('ExportJob', exportJobSchema);
