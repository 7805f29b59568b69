import { InferSchemaType, Schema, model, Types } from 'mongoose';
import { DOCUMENT_KINDS } from './document-version';

/** The consent ledger: who accepted which version of which document, when. Append-only. */
const consentSchema = new Schema({
  user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  kind: { type: String, enum: DOCUMENT_KINDS, required: true },
  group: { type: Schema.Types.ObjectId, ref: 'Group', default: null },
  version: { type: Number, required: true },
  acceptedAt: { type: Date, required: true },
});
consentSchema.index({ user: 1, kind: 1, group: 1, version: 1 }, { unique: true });

export type ConsentFields = InferSchemaType<typeof consentSchema>;
export type ConsentDoc = ConsentFields & { _id: Types.ObjectId };
export const Consent = model('Consent', consentSchema);
