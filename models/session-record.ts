import { Schema, model } from 'mongoose';

/**
 * The `sessions` collection as connect-mongo writes it (`{ _id: sid, expires, session }`, the
 * session as a JSON string): read here only, so the socket sweep can re-check a thousand
 * sessions in one query instead of one store read each. connect-mongo owns the collection and
 * its TTL index: this model never creates it or its indexes, and never writes.
 */
const sessionRecordSchema = new Schema(
  {
    _id: { type: String, required: true },
    expires: { type: Date },
    session: { type: Schema.Types.Mixed },
  },
  { collection: 'sessions', autoIndex: false, autoCreate: false, versionKey: false },
);

export interface SessionRecordDoc {
  _id: string;
  expires?: Date;
  /** JSON text (connect-mongo's default) or, if it is ever set to store objects, the object. */
  session: unknown;
}
export const SessionRecord = model('SessionRecord', sessionRecordSchema);
