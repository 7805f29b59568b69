import { z } from 'zod';
import { COMPLAINT_STATUSES } from '../../models/complaint-flag';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'Not a valid reference.');
const version = z.coerce.number().int().min(1);
const note = z.string().trim().max(2000).optional().default('');

export const approveWithReplySchema = z.object({ postId: objectId, version });
export type ApproveWithReplyInput = z.infer<typeof approveWithReplySchema>;

export const escalateThreatSchema = z.object({ postId: objectId });
export type EscalateThreatInput = z.infer<typeof escalateThreatSchema>;

export const flagComplaintSchema = z.object({ postId: objectId, note });
export type FlagComplaintInput = z.infer<typeof flagComplaintSchema>;

export const complaintUpdateSchema = z.object({
  flagId: objectId,
  status: z.enum(COMPLAINT_STATUSES),
  note,
});
export type ComplaintUpdateInput = z.infer<typeof complaintUpdateSchema>;

export const policeContactSchema = z.object({
  caseId: objectId,
  agency: z.string().trim().min(1, 'Which police service?').max(200),
  reference: z.string().trim().min(1, 'The reference they gave.').max(200),
  at: z.coerce.date(),
});
export type PoliceContactInput = z.infer<typeof policeContactSchema>;
