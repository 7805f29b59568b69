import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { Consent, DocumentVersion, Group, Membership, User, type GroupDoc } from '../../models';
import type { DocumentKind } from '../../models/document-version';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ConflictError, ForbiddenError } from '../errors';
import { en } from '../i18n/en';
import { isAdmin } from '../policies/group';
import {
  acceptDocumentsSchema,
  groupDocumentInputSchema,
  parseInput,
  siteDocumentInputSchema,
} from '../schemas/groups';
import { recordAudit } from './audit';
import { forgetSiteVersions } from './documents';
import { createNotifications } from './notifications';
import { pendingConsents, requireGroupAccess } from './group-access';

/**
 * The consent ledger: versioned documents (site terms and privacy notice; each group's rules and
 * disclaimer) and who accepted which version when. A new version makes members read-only in the
 * group (requireGroupAccess reports it) until they accept it here.
 */

export interface DocumentView {
  kind: DocumentKind;
  version: number;
  title: string;
  body: string;
  changeSummary: string;
  publishedAt: Date | null;
}

export interface RuleInput {
  ruleId?: string;
  title: string;
  body?: string;
}

function isDuplicateKey(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000
  );
}

/** Keeps the ids of existing rules, gives new rules a fresh stable id, drops repeated ids. */
export function normaliseRules(
  rules: RuleInput[],
): Array<{ ruleId: string; title: string; body: string }> {
  const seen = new Set<string>();
  return rules.map((r) => {
    let ruleId = r.ruleId && !seen.has(r.ruleId) ? r.ruleId : `r-${randomBytes(4).toString('hex')}`;
    while (seen.has(ruleId)) ruleId = `r-${randomBytes(4).toString('hex')}`;
    seen.add(ruleId);
    return { ruleId, title: r.title, body: r.body ?? '' };
  });
}

export function rulesText(rules: Array<{ title: string; body?: string | null }>): string {
  return rules.map((r, i) => `${i + 1}. ${r.title}${r.body ? `\n   ${r.body}` : ''}`).join('\n');
}

/** Seeds the default terms of use and privacy notice on first start (idempotent). */
export async function ensureDefaultDocuments(deps: Deps): Promise<void> {
  const defaults = [
    { kind: 'terms' as const, ...en.documents.defaultTerms },
    { kind: 'privacy' as const, ...en.documents.defaultPrivacy },
  ];
  for (const d of defaults) {
    const exists = await DocumentVersion.exists({ kind: d.kind, group: null });
    if (exists) continue;
    try {
      await DocumentVersion.create({
        kind: d.kind,
        group: null,
        version: 1,
        title: d.title,
        body: d.body,
        changeSummary: '',
        publishedAt: deps.clock.now(),
      });
      forgetSiteVersions();
      deps.log.info({ kind: d.kind }, 'seeded default document');
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // another instance seeded it at the same moment
    }
  }
}

async function latest(kind: DocumentKind, group: Types.ObjectId | null) {
  return DocumentVersion.findOne({ kind, group }).sort({ version: -1 }).lean();
}

/** The current text of one document as members must accept it. */
export async function currentDocument(
  kind: DocumentKind,
  group: GroupDoc | null,
): Promise<DocumentView | null> {
  const doc = await latest(kind, group ? group._id : null);
  if (group && (kind === 'rules' || kind === 'disclaimer')) {
    const version = kind === 'rules' ? group.rulesVersion : group.disclaimerVersion;
    if (doc && doc.version === version) return toView(doc);
    // A group created without a stored version: its text lives on the group itself.
    return {
      kind,
      version,
      title:
        kind === 'rules'
          ? en.documents.rulesTitle(group.name)
          : en.documents.disclaimerTitle(group.name),
      body: kind === 'rules' ? rulesText(group.rules) : group.disclaimer,
      changeSummary: '',
      publishedAt: null,
    };
  }
  return doc ? toView(doc) : null;
}

function toView(doc: {
  kind: string;
  version: number;
  title: string;
  body: string;
  changeSummary?: string | null;
  publishedAt: Date;
}): DocumentView {
  return {
    kind: doc.kind as DocumentKind,
    version: doc.version,
    title: doc.title,
    body: doc.body,
    changeSummary: doc.changeSummary ?? '',
    publishedAt: doc.publishedAt,
  };
}

/** Documents of these kinds, current versions, for one group (site ones with group null). */
export async function documentsFor(
  group: GroupDoc,
  kinds: DocumentKind[],
): Promise<DocumentView[]> {
  const docs = await Promise.all(
    kinds.map((k) => currentDocument(k, k === 'rules' || k === 'disclaimer' ? group : null)),
  );
  return docs.filter((d): d is DocumentView => d !== null);
}

/** Records acceptance of the current versions of `kinds`; repeated acceptance is harmless. */
export async function recordConsents(
  deps: Deps,
  userId: Types.ObjectId,
  group: GroupDoc,
  kinds: DocumentKind[],
): Promise<void> {
  const docs = await documentsFor(group, kinds);
  const at = deps.clock.now();
  for (const d of docs) {
    const isGroupDoc = d.kind === 'rules' || d.kind === 'disclaimer';
    const groupId = isGroupDoc ? group._id : null;
    try {
      await Consent.create({
        user: userId,
        kind: d.kind,
        group: groupId,
        version: d.version,
        acceptedAt: at,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    await recordAudit(deps, {
      key: `consent:${userId.toHexString()}:${d.kind}:${groupId?.toHexString() ?? 'site'}:${d.version}`,
      action: 'consent.accepted',
      actor: userId,
      group: groupId,
      targetType: 'document',
      targetId: `${d.kind}:${d.version}`,
      meta: { kind: d.kind, version: d.version },
    });
  }
}

/** Publishes a new version of a group's rules or disclaimer (used by admins' edits and moderators). */
export async function publishGroupDocumentVersion(
  deps: Deps,
  group: GroupDoc,
  actorId: Types.ObjectId,
  change:
    | { kind: 'rules'; rules: RuleInput[]; changeSummary?: string }
    | { kind: 'disclaimer'; disclaimer: string; changeSummary?: string },
): Promise<number> {
  const current = change.kind === 'rules' ? group.rulesVersion : group.disclaimerVersion;
  const next = current + 1;
  const rules = change.kind === 'rules' ? normaliseRules(change.rules) : null;
  const body = change.kind === 'rules' ? rulesText(rules ?? []) : change.disclaimer;
  let created;
  try {
    created = await DocumentVersion.create({
      kind: change.kind,
      group: group._id,
      version: next,
      title:
        change.kind === 'rules'
          ? en.documents.rulesTitle(group.name)
          : en.documents.disclaimerTitle(group.name),
      body,
      changeSummary: change.changeSummary ?? '',
      publishedBy: actorId,
      publishedAt: deps.clock.now(),
    });
  } catch (error) {
    if (isDuplicateKey(error)) throw new ConflictError(en.documents.conflict);
    throw error;
  }
  const versionField = change.kind === 'rules' ? 'rulesVersion' : 'disclaimerVersion';
  const set =
    change.kind === 'rules'
      ? { rules, rulesVersion: next }
      : { disclaimer: change.disclaimer, disclaimerVersion: next };
  const updated = await Group.updateOne({ _id: group._id, [versionField]: current }, { $set: set });
  if (updated.modifiedCount !== 1) {
    await DocumentVersion.deleteOne({ _id: created._id });
    throw new ConflictError(en.documents.conflict);
  }
  await recordAudit(deps, {
    key: `document:${group._id.toHexString()}:${change.kind}:${next}`,
    action: 'document.published',
    actor: actorId,
    group: group._id,
    targetType: 'document',
    targetId: `${change.kind}:${next}`,
    meta: { kind: change.kind, version: next },
  });
  await notifyDocumentVersion(deps, group, actorId);
  return next;
}

/** New site terms or privacy notice: every active account but the publisher is told. */
async function notifySiteDocument(deps: Deps, actorId: Types.ObjectId) {
  const cursor = User.find({ status: 'active' }).select({ _id: 1 }).lean().cursor();
  let batch: Array<{ userId: Types.ObjectId; kind: 'document_version' }> = [];
  for await (const u of cursor) {
    if (String(u._id) === String(actorId)) continue;
    batch.push({ userId: u._id as Types.ObjectId, kind: 'document_version' });
    if (batch.length === 500) {
      await createNotifications(deps, batch);
      batch = [];
    }
  }
  await createNotifications(deps, batch);
}

/** Every active member but the publisher is told there is something new to accept. */
async function notifyDocumentVersion(deps: Deps, group: GroupDoc, actorId: Types.ObjectId) {
  const members = await Membership.find({ group: group._id, status: 'active' })
    .select({ user: 1 })
    .lean();
  await createNotifications(
    deps,
    members
      .filter((m) => String(m.user) !== String(actorId))
      .map((m) => ({
        userId: m.user,
        kind: 'document_version' as const,
        groupId: group._id,
        data: { groupSlug: group.slug, groupName: group.name },
      })),
  );
}

export function createConsentService(deps: Deps) {
  return {
    /** Administrators publish a new version of the site terms or privacy notice. */
    async publishSiteDocument(actor: Actor, input: unknown): Promise<DocumentView> {
      if (!isAdmin(actor)) throw new ForbiddenError(en.documents.adminOnly);
      const data = parseInput(siteDocumentInputSchema, input);
      const current = await latest(data.kind, null);
      const version = (current?.version ?? 0) + 1;
      let doc;
      try {
        doc = await DocumentVersion.create({
          ...data,
          group: null,
          version,
          publishedBy: actor.userId,
          publishedAt: deps.clock.now(),
        });
      } catch (error) {
        if (isDuplicateKey(error)) throw new ConflictError(en.documents.conflict);
        throw error;
      }
      forgetSiteVersions();
      await recordAudit(deps, {
        key: `document:site:${data.kind}:${version}`,
        action: 'document.published',
        actor: actor.userId,
        group: null,
        targetType: 'document',
        targetId: `${data.kind}:${version}`,
        meta: { kind: data.kind, version },
      });
      await notifySiteDocument(deps, actor.userId);
      return toView(doc.toObject());
    },

    async siteDocuments(): Promise<DocumentView[]> {
      const docs = await Promise.all([latest('terms', null), latest('privacy', null)]);
      return docs.filter((d) => d !== null).map((d) => toView(d));
    },

    /** Group moderators publish new rules or a new disclaimer. */
    async publishGroupDocument(actor: Actor, groupRef: string, input: unknown): Promise<number> {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'moderate');
      const data = parseInput(groupDocumentInputSchema, input);
      return publishGroupDocumentVersion(deps, access.group, actor.userId, data);
    },

    /** The moderators' editing page: current rules (with ids) and disclaimer. */
    async groupDocumentsForModerator(actor: Actor, groupRef: string) {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'moderate');
      const g = access.group;
      return {
        rules: g.rules.map((r) => ({ ruleId: r.ruleId, title: r.title, body: r.body ?? '' })),
        rulesVersion: g.rulesVersion,
        disclaimer: g.disclaimer ?? '',
        disclaimerVersion: g.disclaimerVersion,
      };
    },

    /** What this member still has to accept in this group, with the texts and what changed. */
    async pendingDocuments(actor: Actor, groupRef: string) {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'enter');
      return {
        group: access.group,
        documents: await documentsFor(access.group, access.consentPending),
      };
    },

    async acceptDocuments(actor: Actor, groupRef: string, input: unknown): Promise<void> {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'enter');
      const { accepted } = parseInput(acceptDocumentsSchema, input);
      const pending = await pendingConsents(actor.userId, access.group);
      const kinds = pending.filter((k) => accepted.includes(k));
      await recordConsents(deps, actor.userId, access.group, kinds);
    },
  };
}
