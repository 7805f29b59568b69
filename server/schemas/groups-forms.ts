import { z } from 'zod';

/**
 * HTML form shapes (urlencoded, not extended: a repeated field arrives as an array, a single one
 * as a string, an unticked box not at all) and their mapping to the services' input. The
 * services validate the result with the schemas in ./groups.ts.
 */
export const formList = z.preprocess(
  (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.string().max(50_000)).max(100),
);
export const formCheckbox = z.preprocess(
  (v) => v === 'on' || v === 'true' || v === 'yes' || v === '1' || v === true,
  z.boolean(),
);
const text = z.string().max(50_000).optional().default('');

export const groupForm = z.object({
  slug: text,
  name: text,
  description: text,
  howToJoin: text,
  disclaimer: text,
  hidden: formCheckbox,
  ruleId: formList,
  ruleTitle: formList,
  ruleBody: formList,
  questionId: formList,
  questionText: formList,
  days: formList,
  start: text,
  end: text,
  timeZone: text,
  minimumAge: text,
  complaintsProcess: text,
  complaintsContact: text,
});
export type GroupForm = z.infer<typeof groupForm>;

/** Rows with an empty title are dropped: that is how a rule or question is removed. */
export function rulesFromForm(f: Pick<GroupForm, 'ruleId' | 'ruleTitle' | 'ruleBody'>) {
  return f.ruleTitle
    .map((title, i) => ({
      ruleId: f.ruleId[i] || undefined,
      title: title.trim(),
      body: (f.ruleBody[i] ?? '').trim(),
    }))
    .filter((r) => r.title.length > 0);
}

export function groupInputFromForm(f: GroupForm) {
  return {
    slug: f.slug,
    name: f.name,
    description: f.description,
    howToJoin: f.howToJoin,
    disclaimer: f.disclaimer,
    hidden: f.hidden,
    rules: rulesFromForm(f),
    questions: f.questionText
      .map((t, i) => ({ questionId: f.questionId[i] || undefined, text: t.trim() }))
      .filter((q) => q.text.length > 0),
    businessHours: {
      days: f.days.map(Number),
      start: f.start || '09:00',
      end: f.end || '17:00',
      timeZone: f.timeZone || 'Europe/Dublin',
    },
    minimumAge: f.minimumAge || 18,
    complaintsProcess: f.complaintsProcess,
    complaintsContact: f.complaintsContact,
  };
}

export const slugParams = z.object({ slug: z.string().max(100) });
export const slugIdParams = z.object({ slug: z.string().max(100), id: z.string().max(100) });
export const idParams = z.object({ id: z.string().max(100) });
export const tokenParams = z.object({ token: z.string().max(200) });

export const joinRequestForm = z.object({
  email: text,
  confirmAge: formCheckbox,
  questionId: formList,
  answer: formList,
});

export const redeemForm = z.object({
  confirmAge: formCheckbox,
  accept: formList,
  email: z.string().max(320).optional(),
  displayName: z.string().max(200).optional(),
  password: z.string().max(5000).optional(),
});

export const invitationForm = z.object({
  kind: z.enum(['email', 'link']).default('email'),
  email: text,
  maxUses: text,
  days: text,
});

export const declineForm = z.object({ message: text });
export const removeForm = z.object({ userId: text, reason: text });
export const acceptForm = z.object({ accept: formList });
export const rolesForm = z.object({ userId: text, roles: formList });
export const findPersonQuery = z.object({
  email: z.string().max(320).optional(),
  person: z.string().max(100).optional(),
});
export const accountForm = z.object({
  email: text,
  displayName: text,
  password: z.string().max(5000).optional().default(''),
  groupId: z.string().max(100).optional(),
});
export const siteDocumentForm = z.object({
  kind: z.enum(['terms', 'privacy']),
  title: text,
  body: text,
  changeSummary: text,
});
export const groupDocumentForm = z.object({
  kind: z.enum(['rules', 'disclaimer']),
  ruleId: formList,
  ruleTitle: formList,
  ruleBody: formList,
  disclaimer: text,
  changeSummary: text,
});
