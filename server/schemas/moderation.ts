import { z } from 'zod';

/**
 * Input schemas for the moderators' toolkit (reports, hiding, sanctions, appeals, handbook,
 * journal, insights), shared by HTTP routes and socket handlers.
 */
/** Parsed input with keys that may be undefined made optional, so services are easy to call. */
type Loose<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: T[K];
};

export const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'Not a valid id.');
export const groupRef = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9-]+$/i, 'Not a valid group.');

/** Optional free text from a form: trimmed, empty becomes undefined. */
const note = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((s) => (s && s.trim() ? s.trim() : undefined));

const ruleId = z
  .string({ error: 'Please choose the rule.' })
  .trim()
  .min(1, 'Please choose the rule.')
  .max(100);
const version = z.coerce.number().int().min(1).max(1_000_000).optional();

export const reportSchema = z.object({ postId: objectId, ruleId, note: note(1000) });
export type ReportInput = Loose<z.infer<typeof reportSchema>>;

/** Hiding a published post always cites a rule: a merely negative post cannot be hidden. */
export const hideSchema = z.object({ postId: objectId, version, ruleId, note: note(2000) });
export type HideInput = Loose<z.infer<typeof hideSchema>>;

export const restoreSchema = z.object({ postId: objectId, version, note: note(2000) });
export type RestoreInput = Loose<z.infer<typeof restoreSchema>>;

export const SANCTION_DURATIONS = ['1h', '24h', '3d', '7d', '30d', 'lifted'] as const;
export type SanctionDuration = (typeof SANCTION_DURATIONS)[number];

export const sanctionSchema = z.object({
  userId: objectId,
  kind: z.enum(['mute', 'suspend']),
  duration: z.enum(SANCTION_DURATIONS),
  ruleId,
  note: note(2000),
});
export type SanctionInput = Loose<z.infer<typeof sanctionSchema>>;

export const removeSchema = z.object({ userId: objectId, ruleId, note: note(2000) });
export type RemoveInput = Loose<z.infer<typeof removeSchema>>;

export const liftSchema = z.object({ userId: objectId, note: note(2000) });
export type LiftInput = Loose<z.infer<typeof liftSchema>>;

const dateOnly = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Use the form YYYY-MM-DD.');

export const auditFilterSchema = z.object({
  group: groupRef.optional().or(z.literal('').transform(() => undefined)),
  actor: objectId.optional().or(z.literal('').transform(() => undefined)),
  action: z
    .string()
    .max(60)
    .regex(/^[a-z_.]*$/)
    .optional()
    .transform((s) => (s ? s : undefined)),
  from: dateOnly.optional().or(z.literal('').transform(() => undefined)),
  to: dateOnly.optional().or(z.literal('').transform(() => undefined)),
});
export type AuditFilterInput = Loose<z.infer<typeof auditFilterSchema>>;

export const appealSchema = z.object({
  decisionId: objectId,
  statement: note(2000),
});
export type AppealInput = Loose<z.infer<typeof appealSchema>>;

export const appealDecisionSchema = z.object({
  appealId: objectId,
  outcome: z.enum(['upheld', 'overturned'], { error: 'Please choose an outcome.' }),
  note: note(2000),
});
export type AppealDecisionInput = Loose<z.infer<typeof appealDecisionSchema>>;

export const responsePlanSchema = z.object({ responsePlan: z.string().max(10000) });
export const privacyStatementSchema = z.object({
  privacyStatement: z.string().trim().min(1).max(5000),
});
export const ruleNoteSchema = z.object({
  ruleId,
  explanation: z.string().max(3000).default(''),
  examples: z.string().max(3000).default(''),
});
export const savedReplySchema = z.object({
  title: z.string().trim().min(1).max(120),
  body: z.string().trim().min(1).max(2000),
});
export const savedReplyParams = z.object({ slug: groupRef, replyId: objectId });

export const journalQuery = z.object({ day: dateOnly.optional() });
export const journalNoteSchema = z.object({
  day: dateOnly,
  body: z.string().trim().min(1).max(4000),
});

export const INSIGHT_PERIODS = ['7', '30', '90'] as const;
export const insightsQuery = z.object({
  days: z.enum(INSIGHT_PERIODS).optional(),
  group: groupRef.optional().or(z.literal('').transform(() => undefined)),
});

export const slugParams = z.object({ slug: groupRef });
export const slugPostParams = z.object({ slug: groupRef, postId: objectId });
export const slugUserParams = z.object({ slug: groupRef, userId: objectId });
export const slugAppealParams = z.object({ slug: groupRef, appealId: objectId });
