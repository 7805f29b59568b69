import { InferSchemaType, Schema, model, Types } from 'mongoose';

/**
 * One weekly on-duty slot of a group's moderators (ISO weekday, local "HH:MM" in the group's
 * time zone). `moderator` null: a free slot anyone on the team may take. Changes use conditional
 * updates on `moderator` so two people cannot take the same free slot.
 */
const rotaSlotSchema = new Schema(
  {
    group: { type: Schema.Types.ObjectId, ref: 'Group', required: true },
    weekday: { type: Number, required: true, min: 1, max: 7 },
    start: { type: String, required: true },
    end: { type: String, required: true },
    moderator: { type: Schema.Types.ObjectId, ref: 'User', default: null },
    createdBy: { type: Schema.Types.ObjectId, ref: 'User', required: true },
  },
  { timestamps: true },
);
rotaSlotSchema.index({ group: 1, weekday: 1, start: 1 });

export type RotaSlotFields = InferSchemaType<typeof rotaSlotSchema>;
export type RotaSlotDoc = RotaSlotFields & { _id: Types.ObjectId };
export const RotaSlot = model('RotaSlot', rotaSlotSchema);
