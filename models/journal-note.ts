import { InferSchemaType, Schema, model, Types } from 'mongoose';

/** A moderator's free-text note on a group's daily journal (`day` is YYYY-MM-DD, group time). */
const journalNoteSchema = new Schema({
  group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
  day: { type: String, required: true, match: /^\d{4}-\d{2}-\d{2}$/ },
  author: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  body: { type: String, required: true, maxlength: 4000 },
  createdAt: { type: Date, required: true },
});
journalNoteSchema.index({ group: 1, day: 1, createdAt: 1 });

export type JournalNoteFields = InferSchemaType<typeof journalNoteSchema>;
export type JournalNoteDoc = JournalNoteFields & { _id: Types.ObjectId };
export const JournalNote = model('JournalNote', journalNoteSchema);
