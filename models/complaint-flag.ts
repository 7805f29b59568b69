import { InferSchemaType, Schema, model, Types } from 'mongoose';

export const COMPLAINT_STATUSES = ['open', 'in_progress', 'closed'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

/** A post a moderator flagged as a potential complaint or claim, with staff notes and a status. */
const complaintFlagSchema = new Schema({
  post: { type: Schema.Types.ObjectId, ref: 'Post', required: true },
  group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
  flaggedBy: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  flaggedAt: { type: Date, required: true },
  status: { type: String, enum: COMPLAINT_STATUSES, default: 'open', required: true },
  notes: {
    type: [
      new Schema(
        {
          by: { type: Schema.Types.ObjectId, ref: 'User', required: true },
          at: { type: Date, required: true },
          text: { type: String, required: true, maxlength: 2000 },
        },
        { _id: false },
      ),
    ],
    default: [],
  },
});
complaintFlagSchema.index({ post: 1 }, { unique: true });
complaintFlagSchema.index({ group: 1, status: 1, flaggedAt: -1 });

export type ComplaintFlagFields = InferSchemaType<typeof complaintFlagSchema>;
export type ComplaintFlagDoc = ComplaintFlagFields & { _id: Types.ObjectId };
export const ComplaintFlag = model('ComplaintFlag', complaintFlagSchema);
