import { z } from 'zod';
import { GROUP_ROLES } from '../../models/membership';
import { ValidationError } from '../errors';

/**
 * Input schemas for groups, invitations, join requests, memberships and documents. Services parse
 * their input with these (so sockets and tests get the same checks as forms); routes may parse
 * form shapes first and hand the result on.
 */

/** Throws ValidationError with every issue (forms show them all), never only the first. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    'Please check the highlighted fields.',
    result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-IE', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use the 24-hour form, like 09:00.');
export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/,
    'Use lower-case letters, digits and dashes (up to 50).',
  );
export const objectIdSchema = z.string().regex(/^[0-9a-f]{24}$/i, 'Not a valid id.');
export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('Enter an e-mail address.'));

export const ruleInputSchema = z.object({
  ruleId: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .optional(),
  title: z.string().trim().min(1, 'Give the rule a short title.').max(200),
  body: z.string().trim().max(2000).default(''),
});
export const questionInputSchema = z.object({
  questionId: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .optional(),
  text: z.string().trim().min(1).max(500),
});
export const businessHoursSchema = z
  .object({
    days: z.array(z.coerce.number().int().min(1).max(7)).min(1, 'Choose at least one day.'),
    start: hhmm,
    end: hhmm,
    timeZone: z.string().refine(isTimeZone, 'Not a time zone we know (e.g. Europe/Dublin).'),
  })
  .refine((h) => h.start < h.end, { message: 'Opening must be before closing.', path: ['end'] });

export const DEFAULT_BUSINESS_HOURS = {
  days: [1, 2, 3, 4, 5],
  start: '09:00',
  end: '17:00',
  timeZone: 'Europe/Dublin',
};

export const groupInputSchema = z.object({
  slug: slugSchema,
  name: z.string().trim().min(1, 'Give the group a name.').max(120),
  description: z.string().trim().max(5000).default(''),
  howToJoin: z.string().trim().max(2000).default(''),
  disclaimer: z.string().trim().max(5000).default(''),
  hidden: z.boolean().default(false),
  rules: z.array(ruleInputSchema).max(50).default([]),
  questions: z.array(questionInputSchema).max(10).default([]),
  businessHours: businessHoursSchema.default(DEFAULT_BUSINESS_HOURS),
  minimumAge: z.coerce.number().int().min(16).max(120).default(18),
  /** The organisation's complaints process and contact, shown on the public page. */
  complaintsProcess: z.string().trim().max(5000).default(''),
  complaintsContact: z.string().trim().max(500).default(''),
});
export type GroupInput = z.input<typeof groupInputSchema>;

export const rolesInputSchema = z.object({
  userId: objectIdSchema,
  roles: z.array(z.enum(GROUP_ROLES)).max(3),
});

export const createAccountSchema = z.object({
  email: emailSchema,
  displayName: z.string().trim().min(1).max(60),
  password: z.string().min(1),
});

export const invitationInputSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('email'),
    email: emailSchema,
    days: z.coerce.number().int().min(1).optional(),
  }),
  z.object({
    kind: z.literal('link'),
    maxUses: z.coerce.number().int().min(1).max(500),
    days: z.coerce.number().int().min(1).optional(),
  }),
]);
export type InvitationInput = z.input<typeof invitationInputSchema>;

/** The token travels in the URL path: 32 bytes, base64url (43 characters). */
export const invitationTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export const redeemInputSchema = z.object({
  confirmAge: z.literal(true, { error: 'Please confirm your age.' }),
  /** Document kinds the person ticked (rules, disclaimer, terms, privacy). */
  accepted: z.array(z.enum(['terms', 'privacy', 'rules', 'disclaimer'])).default([]),
  /** For a person without an account. */
  newAccount: z
    .object({
      email: emailSchema,
      displayName: z.string().trim().min(1, 'Choose a name to show others.').max(60),
      password: z.string().min(1, 'Choose a password.'),
    })
    .optional(),
});
export type RedeemInput = z.input<typeof redeemInputSchema>;

export const joinRequestInputSchema = z.object({
  email: emailSchema,
  answers: z
    .array(z.object({ questionId: z.string().max(40), answer: z.string().trim().max(2000) }))
    .max(10)
    .default([]),
  confirmAge: z.literal(true, { error: 'Please confirm your age.' }),
});
export type JoinRequestInput = z.input<typeof joinRequestInputSchema>;

export const declineInputSchema = z.object({
  message: z.string().trim().max(2000).default(''),
});

export const removeMemberSchema = z.object({
  userId: objectIdSchema,
  reason: z.string().trim().min(1, 'Please give a reason (kept in the audit log).').max(2000),
});

export const siteDocumentInputSchema = z.object({
  kind: z.enum(['terms', 'privacy']),
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(50_000),
  changeSummary: z.string().trim().max(2000).default(''),
});

export const groupDocumentInputSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('rules'),
    rules: z.array(ruleInputSchema).min(1).max(50),
    changeSummary: z.string().trim().max(2000).default(''),
  }),
  z.object({
    kind: z.literal('disclaimer'),
    disclaimer: z.string().trim().min(1).max(5000),
    changeSummary: z.string().trim().max(2000).default(''),
  }),
]);

export const acceptDocumentsSchema = z.object({
  accepted: z.array(z.enum(['terms', 'privacy', 'rules', 'disclaimer'])).min(1),
});
