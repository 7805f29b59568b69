import { createHash, randomInt } from 'node:crypto';
import { Types } from 'mongoose';
import { AuditEvent, type AuditEventDoc } from '../../models';
import type { Deps } from '../deps';
import { ForbiddenError } from '../errors';

/**
 * The append-only audit trail. Each event is chained to the one before it (`seq`, `prevHash`,
 * `hash` = SHA-256 over the canonical record), so editing or deleting a stored event breaks the
 * chain and `verifyAuditChain()` names the first broken sequence number.
 *
 * Concurrent appends are serialised by the unique `seq` index: two writers that read the same
 * tail both try `seq = n + 1`; one wins, the other gets E11000 and retries on the new tail.
 * Retrying with the same `key` returns the stored event instead of writing a second one.
 *
 * Never put a post body, a message, a name or an e-mail address in an event: ids and codes only.
 */

/** Scalar facts allowed in `meta` (ids, codes, counts, flags), or short lists of them. */
export type AuditMetaValue = string | number | boolean | null | Array<string | number | boolean>;
export type AuditMeta = Record<string, AuditMetaValue>;

type IdLike = Types.ObjectId | string;

export interface AuditInput {
  /** Idempotency key: the same logical event always uses the same key (e.g. `post:<id>:v3`). */
  key: string;
  /** Dotted verb, e.g. `invitation.created`, `membership.removed`, `post.approved`. */
  action: string;
  /** Who acted (null for the system or an anonymous visitor). */
  actor: IdLike | null;
  group: IdLike | null;
  targetType: string;
  targetId: IdLike;
  ruleId?: string;
  /** A staff member's reason (never the member's own words). */
  reason?: string;
  meta?: AuditMeta;
}

export const GENESIS_HASH = '0'.repeat(64);
const MAX_ATTEMPTS = 100;
const META_STRING_MAX = 200;
// An e-mail address in meta is a bug in the caller; refuse it rather than store it for ever.
// Anchored on the "@" (a lookbehind for the local part) so it runs in linear time: the former
// `[^\s@]+@[^\s@]+\.[^\s@]+` backtracked quadratically on long text without an "@" (a staff
// member's reason is free text): 100 kB took over 25 s.
const EMAIL_LIKE = /(?<=[^\s@])@[^\s@.]{1,255}\.[^\s@]/;
const FORBIDDEN_META_KEYS = new Set(['body', 'text', 'email', 'message', 'displayName', 'name']);

export class AuditInputError extends Error {}

/** JSON with object keys sorted, so the same record always hashes the same way. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value instanceof Types.ObjectId) return JSON.stringify(value.toHexString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface ChainedFields {
  seq: number;
  prevHash: string;
  key: string;
  action: string;
  actor: string | null;
  group: string | null;
  targetType: string;
  targetId: string;
  ruleId: string | null;
  reason: string | null;
  meta: AuditMeta | null;
  at: Date;
  /** Set only for a record whose reason/meta were purged by retention: the digest stored then. */
  detailDigest?: string;
}

/**
 * The chain covers a digest of the detail (reason + meta), not the detail itself, so retention can
 * drop old details while the chain still verifies; while the detail is present, changing it
 * changes the digest and breaks the chain exactly as before.
 */
export function auditDetailDigest(reason: string | null, meta: AuditMeta | null): string {
  return createHash('sha256').update(canonicalJson({ reason, meta })).digest('hex');
}

export function hashAuditRecord(fields: ChainedFields): string {
  const { reason, meta, detailDigest, ...rest } = fields;
  const detail = detailDigest ?? auditDetailDigest(reason, meta);
  return createHash('sha256')
    .update(canonicalJson({ ...rest, detail }))
    .digest('hex');
}

function idString(id: IdLike | null | undefined): string | null {
  if (id === null || id === undefined) return null;
  return typeof id === 'string' ? id : id.toHexString();
}

/** The chained fields of a stored event, as they were hashed. */
export function chainedFieldsOf(doc: AuditEventDoc): ChainedFields {
  return {
    seq: doc.seq,
    prevHash: doc.prevHash,
    key: doc.key,
    action: doc.action,
    actor: idString(doc.actor as Types.ObjectId | null),
    group: idString(doc.group as Types.ObjectId | null),
    targetType: doc.targetType,
    targetId: doc.targetId,
    ruleId: doc.ruleId ?? null,
    reason: doc.reason ?? null,
    meta: (doc.meta as AuditMeta | undefined) ?? null,
    at: doc.at,
    detailDigest: doc.detailPurgedAt ? (doc.detailDigest ?? undefined) : undefined,
  };
}

export function checkAuditMeta(meta: AuditMeta | undefined): void {
  if (!meta) return;
  for (const [k, v] of Object.entries(meta)) {
    if (FORBIDDEN_META_KEYS.has(k)) throw new AuditInputError(`audit meta may not hold "${k}"`);
    const values = Array.isArray(v) ? v : [v];
    for (const item of values) {
      if (typeof item !== 'string') continue;
      if (item.length > META_STRING_MAX) throw new AuditInputError(`audit meta "${k}" too long`);
      if (EMAIL_LIKE.test(item)) throw new AuditInputError(`audit meta "${k}" looks like e-mail`);
    }
  }
}

function isDuplicateKeyError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000
  );
}

function toObjectId(id: IdLike | null): Types.ObjectId | null {
  if (id === null) return null;
  return typeof id === 'string' ? new Types.ObjectId(id) : id;
}

/** Appends one event (or returns the stored one with the same key). Awaited by every caller. */
export async function recordAudit(deps: Deps, input: AuditInput): Promise<AuditEventDoc> {
  checkAuditMeta(input.meta);
  if (input.reason && EMAIL_LIKE.test(input.reason)) {
    // A reason is staff prose; an address in it would outlive the account it belongs to.
    throw new AuditInputError('audit reason looks like it holds an e-mail address');
  }
  // The unique seq and key indexes are what make appends safe: make sure they exist first.
  await AuditEvent.init();
  const existing = await AuditEvent.findOne({ key: input.key }).lean<AuditEventDoc>();
  if (existing) return existing;

  const at = deps.clock.now();
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const tail = await AuditEvent.findOne({})
      .sort({ seq: -1 })
      .select({ seq: 1, hash: 1 })
      .lean<{ seq: number; hash: string }>();
    const fields: ChainedFields = {
      seq: (tail?.seq ?? 0) + 1,
      prevHash: tail?.hash ?? GENESIS_HASH,
      key: input.key,
      action: input.action,
      actor: idString(input.actor),
      group: idString(input.group),
      targetType: input.targetType,
      targetId: idString(input.targetId) ?? '',
      ruleId: input.ruleId ?? null,
      reason: input.reason ?? null,
      meta: input.meta ?? null,
      at,
    };
    const hash = hashAuditRecord(fields);
    try {
      const created = await AuditEvent.create({
        ...fields,
        actor: toObjectId(input.actor),
        group: toObjectId(input.group),
        ruleId: input.ruleId,
        reason: input.reason,
        meta: input.meta,
        detailDigest: auditDetailDigest(fields.reason, fields.meta),
        hash,
      });
      return created.toObject() as AuditEventDoc;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Either the same key was written meanwhile (idempotent retry) or another writer took seq.
      const same = await AuditEvent.findOne({ key: input.key }).lean<AuditEventDoc>();
      if (same) return same;
      await new Promise((resolve) => setTimeout(resolve, randomInt(0, Math.min(50, attempt * 3))));
    }
  }
  deps.log.error({ key: input.key, action: input.action }, 'audit append kept colliding');
  throw new Error('audit append failed after retries');
}

/**
 * Walks the chain in sequence order. Returns the first seq whose record, link or numbering is
 * wrong (a changed field, a deleted or inserted event), or null when the whole chain is intact.
 */
export async function verifyAuditChain(): Promise<number | null> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  const cursor = AuditEvent.find({}).sort({ seq: 1 }).lean<AuditEventDoc[]>().cursor();
  for await (const raw of cursor) {
    const doc = raw as unknown as AuditEventDoc;
    if (doc.seq !== expectedSeq) return expectedSeq;
    if (doc.prevHash !== prevHash) return doc.seq;
    if (hashAuditRecord(chainedFieldsOf(doc)) !== doc.hash) return doc.seq;
    prevHash = doc.hash;
    expectedSeq += 1;
  }
  return null;
}

/** Recent events of one group for its moderators/administrators (ids and codes only). */
export async function listAuditEvents(
  filter: { group?: Types.ObjectId | null },
  limit = 100,
): Promise<AuditEventDoc[]> {
  const query = filter.group !== undefined ? { group: filter.group } : {};
  return AuditEvent.find(query)
    .sort({ seq: -1 })
    .limit(Math.min(Math.max(limit, 1), 500))
    .lean<AuditEventDoc[]>();
}

export interface AuditEventView {
  seq: number;
  at: Date;
  action: string;
  targetType: string;
  targetId: string;
  ruleId: string | null;
  reason: string | null;
}

/** Administrators' view of the trail: whether the chain is intact, and the latest events. */
export function createAuditService(_deps: Deps) {
  return {
    async auditOverview(actor: { siteRole: string }): Promise<{
      brokenAt: number | null;
      events: AuditEventView[];
    }> {
      if (actor.siteRole !== 'admin') throw new ForbiddenError('Only administrators can do this.');
      const [brokenAt, events] = await Promise.all([verifyAuditChain(), listAuditEvents({}, 100)]);
      return {
        brokenAt,
        events: events.map((e) => ({
          seq: e.seq,
          at: e.at,
          action: e.action,
          targetType: e.targetType,
          targetId: e.targetId,
          ruleId: e.ruleId ?? null,
          reason: e.reason ?? null,
        })),
      };
    },
  };
}
