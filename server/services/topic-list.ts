import { randomBytes } from 'node:crypto';
import type { GroupDoc } from '../../models';
import { ValidationError, NotFoundError } from '../errors';
import { en } from '../i18n/en';

/**
 * The pure side of conversation topics (no I/O): the group's list or the defaults, names for
 * labels, and the checks a post's topic and the moderators' edits must pass.
 */
export const MAX_ACTIVE_TOPICS = 12;
export const MAX_TOPICS = 30;
export const DEFAULT_TOPIC_IDS = ['treatment', 'everyday-life', 'celebrations', 'off-topic'];

export interface Topic {
  topicId: string;
  name: string;
  retired: boolean;
}

type WithTopics = Pick<GroupDoc, 'topics'>;

/** The group's topics in order (retired ones included); the defaults while never edited. */
export function topicsOf(group: WithTopics): Topic[] {
  if (!Array.isArray(group.topics)) {
    return DEFAULT_TOPIC_IDS.map((topicId) => ({
      topicId,
      name: en.topics.defaults[topicId] ?? topicId,
      retired: false,
    }));
  }
  return group.topics.map((t) => ({ topicId: t.topicId, name: t.name, retired: !!t.retired }));
}

/** Topic id → name, retired ones included (labels on old posts). */
export function topicNames(group: WithTopics): Map<string, string> {
  return new Map(topicsOf(group).map((t) => [t.topicId, t.name]));
}

export function invalid(message: string): ValidationError {
  return new ValidationError(message, [{ path: 'topic', message }]);
}

/**
 * The topic a new post (or a moderator's change) may carry: null for none; an unknown or
 * retired topic, or any topic on a reply, is refused with a message saying which.
 */
export function checkPostTopic(
  group: WithTopics,
  topic: string | null | undefined,
  isReply: boolean,
): string | null {
  if (!topic) return null;
  if (isReply) throw invalid(en.topics.errors.reply);
  const found = topicsOf(group).find((t) => t.topicId === topic);
  if (!found) throw invalid(en.topics.errors.unknown);
  if (found.retired) throw invalid(en.topics.errors.retired);
  return found.topicId;
}

export const sameName = (a: string, b: string) =>
  a.localeCompare(b, 'en', { sensitivity: 'accent' }) === 0;

export function nameIssue(message: string): ValidationError {
  return new ValidationError(message, [{ path: 'name', message }]);
}

export function requireUniqueName(list: readonly Topic[], name: string, except?: string): void {
  if (list.some((t) => t.topicId !== except && sameName(t.name, name))) {
    throw nameIssue(en.topics.errors.duplicate);
  }
}

export function indexOf(list: readonly Topic[], topicId: string): number {
  const i = list.findIndex((t) => t.topicId === topicId);
  if (i < 0) throw new NotFoundError(en.topics.errors.notFound);
  return i;
}

export function activeCount(list: readonly Topic[]): number {
  return list.filter((t) => !t.retired).length;
}

export function newTopicId(list: readonly Topic[]): string {
  let id = '';
  while (!id || list.some((t) => t.topicId === id)) id = `t-${randomBytes(4).toString('hex')}`;
  return id;
}
