import { z } from 'zod';
import { submitPostSchema } from './posts';

/** A reply or post written for the organisation by a staff account. */
export const organisationPostSchema = submitPostSchema.extend({
  /** Sending despite a patient-implying phrase: the writer's reason (audited). */
  overrideReason: z
    .string()
    .trim()
    .max(500)
    .optional()
    .transform((v) => (v ? v : undefined)),
});
export type OrganisationPostInput = z.infer<typeof organisationPostSchema>;

export const setStaffSchema = z.object({
  userId: z.string().regex(/^[0-9a-f]{24}$/i),
  isStaff: z.preprocess((v) => v === true || v === 'true' || v === 'on', z.boolean()),
});
export type SetStaffInput = z.infer<typeof setStaffSchema>;
