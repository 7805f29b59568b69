import { z } from 'zod';
import { EMAIL_MENTIONS, EMAIL_MODES, NOTIFICATION_KINDS } from '../../models';

/** Form inputs for notification settings, data export and account deletion. */

const settingsShape: Record<string, z.ZodType> = {
  mention: z.enum(EMAIL_MENTIONS).default('nothing'),
};
for (const kind of NOTIFICATION_KINDS) {
  settingsShape[`inApp_${kind}`] = z.literal('on').optional();
  settingsShape[`email_${kind}`] = z.enum(EMAIL_MODES).default('off');
}
export const notificationSettingsBody = z.object(settingsShape);

export const deleteAccountBody = z.object({
  password: z.string().min(1, 'Please enter your password.').max(1024),
  posts: z.enum(['remove', 'keep'], { error: 'Please choose what happens to your posts.' }),
});

export const exportDownloadParams = z.object({
  id: z.string().regex(/^[0-9a-f]{24}$/i),
  format: z.enum(['json', 'html']),
});

const reason = z.string().trim().min(3, 'Please give a reason.').max(1000);
const userId = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{24}$/i, 'Not a valid account id.');

export const adminEraseBody = z.object({
  userId,
  posts: z.enum(['remove', 'keep']),
  reason,
});

export const adminMemorialBody = z.object({ userId, reason });
