import { InferSchemaType, Schema, model, Types } from 'mongoose';

const ruleNoteSchema = new Schema(
  {
    ruleId: { type: String, required: true },
    explanation: { type: String, default: '', maxlength: 3000 },
    examples: { type: String, default: '', maxlength: 3000 },
  },
  { _id: false },
);

const savedReplySchema = new Schema({
  title: { type: String, required: true, maxlength: 120 },
  body: { type: String, required: true, maxlength: 2000 },
});

/**
 * A group's moderator handbook: each rule explained with examples, the response plan (empty:
 * the default plan from the strings is shown), and saved replies moderators insert into notes.
 * One per group, created on first edit.
 */
const handbookSchema = new Schema({
  group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
  ruleNotes: { type: [ruleNoteSchema], default: [] },
  responsePlan: { type: String, default: '', maxlength: 10000 },
  savedReplies: { type: [savedReplySchema], default: [] },
  updatedBy: { type: Schema.Types.ObjectId, ref: 'User', default: null },
  updatedAt: { type: Date, default: null },
});
handbookSchema.index({ group: 1 }, { unique: true });

export type HandbookFields = InferSchemaType<typeof handbookSchema>;
export type HandbookDoc = HandbookFields & { _id: Types.ObjectId };
export const Handbook = model('Handbook', handbookSchema);
