import { z } from 'zod';
import { isValidHm } from '../services/coverage';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'Not a valid reference.');
const hm = z.string().refine((v) => isValidHm(v), 'Use a time like 09:00.');
const endHm = z.string().refine((v) => isValidHm(v, true), 'Use a time like 17:00 or 24:00.');

export const addSlotSchema = z
  .object({
    group: z.string().min(1).max(200),
    weekday: z.coerce.number().int().min(1).max(7),
    start: hm,
    end: endHm,
    /** Take the new slot oneself (otherwise it is left free for someone to take). */
    takeIt: z
      .preprocess((v) => v === true || v === 'true' || v === 'on', z.boolean())
      .default(false),
  })
  .refine((v) => v.start < v.end, { message: 'The slot must end after it starts.', path: ['end'] });
export type AddSlotInput = z.infer<typeof addSlotSchema>;

export const slotRefSchema = z.object({ group: z.string().min(1).max(200), slotId: objectId });
export type SlotRefInput = z.infer<typeof slotRefSchema>;

export const handOverSchema = slotRefSchema.extend({ toUserId: objectId });
export type HandOverInput = z.infer<typeof handOverSchema>;

export const swapSchema = slotRefSchema.extend({ withSlotId: objectId });
export type SwapInput = z.infer<typeof swapSchema>;
