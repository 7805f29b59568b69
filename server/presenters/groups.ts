import type { GroupDoc, InvitationDoc, JoinRequestDoc } from '../../models';
import { en } from '../i18n/en';

/**
 * What leaves the server about groups, per audience. The public page gets only what the group
 * chose to publish: never members, posts, counts or anything that could identify a person.
 */

export interface PublicGroupView {
  slug: string;
  name: string;
  description: string;
  howToJoin: string;
  disclaimer: string;
  rules: Array<{ number: number; ruleId: string; title: string; body: string }>;
  businessHours: { text: string; days: number[]; start: string; end: string; timeZone: string };
  questions: Array<{ questionId: string; text: string }>;
  minimumAge: number;
  /** How to complain (the group's own text, or empty: the page then shows the default). */
  complaintsProcess: string;
  /** Who to contact with a complaint (empty when not given). */
  complaintsContact: string;
}

/** "Monday to Friday" for a run of days, else a list ("Monday, Wednesday and Friday"). */
export function describeDays(days: number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length === 0) return '';
  const names = sorted.map((d) => en.groups.dayName(d));
  const first = sorted[0] ?? 1;
  const last = sorted[sorted.length - 1] ?? 1;
  if (sorted.length > 2 && last - first === sorted.length - 1) {
    return `${names[0]} to ${names[names.length - 1]}`;
  }
  if (names.length === 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function presentBusinessHours(group: Pick<GroupDoc, 'businessHours'>) {
  const h = group.businessHours;
  const days = (h?.days ?? [1, 2, 3, 4, 5]) as number[];
  const start = h?.start ?? '09:00';
  const end = h?.end ?? '17:00';
  const timeZone = h?.timeZone ?? 'Europe/Dublin';
  return {
    days,
    start,
    end,
    timeZone,
    text: en.groups.businessHours(describeDays(days), start, end, timeZone),
  };
}

export function presentPublicGroup(group: GroupDoc): PublicGroupView {
  return {
    slug: group.slug,
    name: group.name,
    description: group.description ?? '',
    howToJoin: group.howToJoin ?? '',
    disclaimer: group.disclaimer ?? '',
    complaintsProcess: group.complaintsProcess ?? '',
    complaintsContact: group.complaintsContact ?? '',
    rules: (group.rules ?? []).map((r, i) => ({
      number: i + 1,
      ruleId: r.ruleId,
      title: r.title,
      body: r.body ?? '',
    })),
    businessHours: presentBusinessHours(group),
    questions: (group.questions ?? []).map((q) => ({ questionId: q.questionId, text: q.text })),
    minimumAge: group.settings?.minimumAge ?? 18,
  };
}

export type InvitationStatus = 'pending' | 'accepted' | 'expired' | 'revoked';

export function invitationStatus(
  i: Pick<InvitationDoc, 'revokedAt' | 'usesLeft' | 'expiresAt'>,
  now: Date,
): InvitationStatus {
  if (i.revokedAt) return 'revoked';
  if (i.usesLeft <= 0) return 'accepted';
  if (i.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'pending';
}

export interface InvitationView {
  id: string;
  kind: 'email' | 'link';
  /** Shown to the group's advocates only (they typed it). */
  email: string | null;
  status: InvitationStatus;
  uses: number;
  maxUses: number;
  expiresAt: Date;
  createdAt: Date;
}

export function presentInvitation(i: InvitationDoc, now: Date): InvitationView {
  return {
    id: i._id.toHexString(),
    kind: i.kind as 'email' | 'link',
    email: i.email ?? null,
    status: invitationStatus(i, now),
    uses: i.maxUses - i.usesLeft,
    maxUses: i.maxUses,
    expiresAt: i.expiresAt,
    createdAt: (i as InvitationDoc & { createdAt: Date }).createdAt,
  };
}

export interface JoinRequestView {
  id: string;
  email: string;
  status: string;
  answers: Array<{ question: string; answer: string }>;
  createdAt: Date;
}

/** For the group's advocates: the address (to invite) and the answers, against current questions. */
export function presentJoinRequest(r: JoinRequestDoc, group: GroupDoc): JoinRequestView {
  const questions = new Map((group.questions ?? []).map((q) => [q.questionId, q.text]));
  return {
    id: r._id.toHexString(),
    email: r.email,
    status: r.status,
    answers: (r.answers ?? []).map((a) => ({
      question: questions.get(a.questionId ?? '') ?? '',
      answer: a.answer ?? '',
    })),
    createdAt: (r as JoinRequestDoc & { createdAt: Date }).createdAt,
  };
}
