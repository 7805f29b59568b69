import { z } from 'zod';
import { postBody } from './posts';

/** Inputs for private messages (HTTP forms and the `pm:send` socket event). */
const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'Not a valid id.');
const groupSlug = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9-]+$/i);

export const threadParams = z.object({ id: objectId });
export const groupThreadParams = z.object({ slug: groupSlug, id: objectId });
export const groupParams = z.object({ slug: groupSlug });
export const requestBody = z.object({ userId: objectId });
export const sendBody = z.object({ body: postBody });
export const respondBody = z.object({ answer: z.enum(['accept', 'decline']) });
export const blockBody = z.object({ action: z.enum(['block', 'unblock']) });
export const reportBody = z.object({
  reason: z.string().trim().min(1, 'Please say what is wrong.').max(1000),
});
export const pmSettingBody = z.object({ enabled: z.enum(['on', 'off']) });
export const pmSendSchema = z.object({ threadId: objectId, body: postBody });
