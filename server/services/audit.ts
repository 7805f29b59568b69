import { createHash, randomInt } from 'node:crypto';
import { trusted, Types } from 'mongoose';
import { AuditEvent, type AuditEventDoc } from '../../models';
import type { Deps } from '../deps';
import { ForbiddenError } from '../errors';

/**
 * The append-only audit trail. Each event is chained to the one before it (`seq`, `prevHash`,
 * `hash` = SHA-256 over the canonical record), so editing or deleting a stored event breaks the
 * chain and `verifyAuditChain()` names the first broken sequence number.
 *
 * Appends from one process are queued and written in batches (see `recordAudit`); concurrent
 * writers elsewhere are serialised by the unique `seq` index: two writers that read the same
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

/**
 * Appends one event (or returns the stored one with the same key). Awaited by every caller: it
 * resolves once the event is stored.
 *
 * Appends from this process go through one queue and are written in batches (one insert, so one
 * journal fsync, for everything that arrived while the previous batch was written). A chain
 * admits one writer at a time anyway; without the queue, parallel decisions raced for the same
 * tail and retried with back-off, which capped the whole site at a few hundred decisions a
 * second. Other instances still meet through the unique `seq` index and retry.
 */
export async function recordAudit(deps: Deps, input: AuditInput): Promise<AuditEventDoc> {
  checkAuditMeta(input.meta);
  if (input.reason && EMAIL_LIKE.test(input.reason)) {
    // A reason is staff prose; an address in it would outlive the account it belongs to.
    throw new AuditInputError('audit reason looks like it holds an e-mail address');
  }
  // The unique seq and key indexes are what make appends safe: make sure they exist first.
  await AuditEvent.init();
  // An event already stored under this key is found by the batch (one query for all of them).
  return new Promise<AuditEventDoc>((resolve, reject) => {
    appendQueue.push({ input, at: deps.clock.now(), log: deps.log, resolve, reject });
    if (!appending) void drainAppends();
  });
}

interface PendingAppend {
  input: AuditInput;
  at: Date;
  log: Deps['log'];
  resolve(doc: AuditEventDoc): void;
  reject(error: unknown): void;
}

/** Largest batch written at once (bounds one insert's size). */
const MAX_BATCH = 500;
const appendQueue: PendingAppend[] = [];
let appending = false;

async function drainAppends(): Promise<void> {
  appending = true;
  try {
    while (appendQueue.length > 0) {
      const batch = appendQueue.splice(0, MAX_BATCH);
      try {
        await appendBatch(batch);
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  } finally {
    appending = false;
  }
}

function chainedFor(input: AuditInput, at: Date, seq: number, prevHash: string): ChainedFields {
  return {
    seq,
    prevHash,
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
}

/** Writes a batch as one ordered insert chained on the current tail; retries what did not land. */
async function appendBatch(batch: PendingAppend[]): Promise<void> {
  let waiting = batch;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    // Keys stored already (by another instance, or an earlier attempt of this batch) resolve to
    // the stored event: the same logical event is never written twice.
    const keys = [...new Set(waiting.map((p) => p.input.key))];
    // The tail is read alongside (one round trip of waiting, not two); unused if all keys exist.
    const [stored, tail] = await Promise.all([
      AuditEvent.find({ key: trusted({ $in: keys }) }).lean<AuditEventDoc[]>(),
      AuditEvent.findOne({})
        .sort({ seq: -1 })
        .select({ seq: 1, hash: 1 })
        .lean<{ seq: number; hash: string }>(),
    ]);
    const byKey = new Map(stored.map((d) => [d.key, d]));
    waiting = waiting.filter((p) => {
      const doc = byKey.get(p.input.key);
      if (doc) p.resolve(doc);
      return !doc;
    });
    if (waiting.length === 0) return;

    let seq = tail?.seq ?? 0;
    let prevHash = tail?.hash ?? GENESIS_HASH;
    const docs: Array<Record<string, unknown>> = [];
    const written: PendingAppend[] = [];
    const sameKey = new Map<string, PendingAppend[]>();
    for (const p of waiting) {
      const twins = sameKey.get(p.input.key);
      if (twins) {
        twins.push(p); // the same key twice in one batch: one event, both callers get it
        continue;
      }
      sameKey.set(p.input.key, [p]);
      seq += 1;
      const fields = chainedFor(p.input, p.at, seq, prevHash);
      prevHash = hashAuditRecord(fields);
      docs.push({
        ...fields,
        actor: toObjectId(p.input.actor),
        group: toObjectId(p.input.group),
        ruleId: p.input.ruleId,
        reason: p.input.reason,
        meta: p.input.meta,
        detailDigest: auditDetailDigest(fields.reason, fields.meta),
        hash: prevHash,
      });
      written.push(p);
    }
    try {
      const created = await AuditEvent.insertMany(docs, { ordered: true });
      created.forEach((doc, i) => {
        const plain = doc.toObject() as AuditEventDoc;
        for (const p of sameKey.get((written[i] as PendingAppend).input.key) ?? []) {
          p.resolve(plain);
        }
      });
      return;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Another writer took a seq (or stored a key) first: what landed resolves on the next turn,
      // the rest is chained again on the new tail.
      await new Promise((resolve) => setTimeout(resolve, randomInt(0, Math.min(50, attempt * 3))));
    }
  }
  batch[0]?.log.error({ count: waiting.length }, 'audit append kept colliding');
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
