import { InferSchemaType, Schema, model, Types } from 'mongoose';

export const DOCUMENT_KINDS = ['terms', 'privacy', 'rules', 'disclaimer'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/**
 * One published version of a document members must accept: the site's terms of use and privacy
 * notice (group null), or a group's rules or disclaimer. Versions are never edited; a change is a
 * new version, which makes members read-only until they accept it.
 */
const documentVersionSchema = new Schema(
  {
    kind: { type: String, enum: DOCUMENT_KINDS, required: true },
    group: { type: Schema.Types.ObjectId, ref: 'Group', default: null },
    version: { type: Number, required: true, min: 1 },
    title: { type: String, required: true, maxlength: 200 },
    body: { type: String, required: true, maxlength: 50_000 },
    /** Plain words on what changed, shown in the banner asking members to accept. */
    changeSummary: { type: String, default: '', maxlength: 2000 },
    publishedBy: { type: Schema.Types.ObjectId, ref: 'User' },
    publishedAt: { type: Date, required: true },
  },
  { timestamps: false },
);
documentVersionSchema.index({ kind: 1, group: 1, version: -1 }, { unique: true });

export type DocumentVersionFields = InferSchemaType<typeof documentVersionSchema>;
export type DocumentVersionDoc = DocumentVersionFields & { _id: Types.ObjectId };
export const DocumentVersion = model('DocumentVersion', documentVersionSchema);
