// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import {
  Appeal,
  AuditEvent,
  Banner,
  BannerDismissal,
  Consent,
  ExportJob,
  Group,
  Invitation,
  JoinRequest,
  Membership,
  Notification,
  NotificationSettings,
  PmThread,
  Post,
  PrivateMessage,
  Reaction,
  Report,
  User,
  type ExportJobDoc,
  type NotificationDoc,
  type PmThreadDoc,
  type PostDoc,
  type UserDoc,
} from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { NotFoundError } from '../errors';
import { en } from '../i18n/en';
import { FORMER_MEMBER } from '../presenters/posts';
import { presentNotification } from './notifications';

/**
 * A member's copy of everything Harbour holds about them (the right of access and portability):
 * prepared in the background as a job with progress, kept for EXPORT_KEEP_DAYS, then deleted.
 * It holds only this person's data: other people appear by display name where they were part of
 * the member's own correspondence (private messages), never with e-mail addresses, and other
 * members' posts are not included (reactions and replies point at post ids).
 */

type Section = [name: string, build: (user: UserDoc) => Promise<unknown>];

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

async function groupLabels(ids: Array<Types.ObjectId | null | undefined>) {
  const list = [...new Set(ids.filter(Boolean).map(String))].map((i) => new Types.ObjectId(i));
  const groups = list.length
    ? await Group.find({ _id: trusted({ $in: list }) })
        .select({ name: 1, slug: 1 })
        .lean()
    : [];
  const map = new Map(groups.map((g) => [String(g._id), g.name]));
  return (id: Types.ObjectId | null | undefined) => (id ? (map.get(String(id)) ?? null) : null);
}

function presentOwnPost(p: PostDoc, group: (id: Types.ObjectId) => string | null) {
  return {
    id: String(p._id),
    group: group(p.group),
    replyTo: p.parent ? String(p.parent) : null,
    text: p.body,
    status: p.status,
    submittedAt: iso(p.submittedAt),
    publishedAt: iso(p.publishedAt),
    earlierVersions: (p.revisions ?? []).map((r) => ({
      text: r.body,
      at: iso(r.at),
      reason: r.reason,
    })),
    // Who reviewed is staff data; what happened and under which rule is the member's.
    reviewHistory: (p.history ?? []).map((h) => ({
      action: h.action,
      at: iso(h.at),
      rule: h.ruleId ?? null,
      from: h.fromStatus ?? null,
      to: h.toStatus ?? null,
    })),
    decision: p.decision?.action
      ? {
          action: p.decision.action,
          at: iso(p.decision.at),
          rule: p.decision.ruleId ?? null,
          noteToYou: p.decision.note ?? null,
        }
      : null,
    reactionsReceived: p.reactionCounts,
  };
}

const SECTIONS: Section[] = [
  [
    'profile',
    async (u) => ({
      id: String(u._id),
      displayName: u.displayName,
      email: u.email,
      siteRole: u.siteRole,
      status: u.status,
      secondFactorOn: Boolean(u.totp?.enabledAt),
      createdAt: iso((u as { createdAt?: Date }).createdAt),
      lastSignInAt: iso(u.lastLoginAt),
    }),
  ],
  [
    'notificationSettings',
    async (u) => {
      const s = await NotificationSettings.findOne({ user: u._id }).lean();
      return s ? { inAppOff: s.inAppOff, email: s.email, emailsMention: s.mention } : null;
    },
  ],
  [
    'memberships',
    async (u) => {
      const list = await Membership.find({ user: u._id }).lean();
      const group = await groupLabels(list.map((m) => m.group));
      return list.map((m) => ({
        group: group(m.group),
        roles: m.roles,
        status: m.status,
        joinedAt: iso(m.joinedAt),
        endedAt: iso(m.endedAt),
        mutedUntil: iso(m.mutedUntil),
        suspendedUntil: iso(m.suspendedUntil),
      }));
    },
  ],
  [
    'consents',
    async (u) => {
      const list = await Consent.find({ user: u._id }).sort({ acceptedAt: 1 }).lean();
      const group = await groupLabels(list.map((c) => c.group));
      return list.map((c) => ({
        document: c.kind,
        group: group(c.group),
        version: c.version,
        acceptedAt: iso(c.acceptedAt),
      }));
    },
  ],
  [
    'postsAndReplies',
    async (u) => {
      // privileged read: the person's own posts, for their own export
      const list = await Post.find({ author: u._id }).sort({ submittedAt: 1 }).lean<PostDoc[]>();
      const group = await groupLabels(list.map((p) => p.group));
      return list.map((p) => presentOwnPost(p, group));
    },
  ],
  [
    'reactions',
    async (u) => {
      const list = await Reaction.find({ user: u._id }).lean();
      const group = await groupLabels(list.map((r) => r.group));
      return list.map((r) => ({
        post: String(r.post),
        group: group(r.group),
        kind: r.kind,
        at: iso((r as { createdAt?: Date }).createdAt),
      }));
    },
  ],
  [
    'noticesPutAway',
    async (u) => {
      const list = await BannerDismissal.find({ user: u._id }).sort({ at: 1 }).lean();
      const banners = list.length
        ? await Banner.find({ _id: trusted({ $in: list.map((d) => d.banner) }) })
            .select({ text: 1, group: 1 })
            .lean()
        : [];
      const byId = new Map(banners.map((b) => [String(b._id), b]));
      const group = await groupLabels(banners.map((b) => b.group));
      return list.map((d) => {
        const banner = byId.get(String(d.banner));
        return {
          notice: banner?.text ?? null,
          group: banner ? group(banner.group) : null,
          revision: d.revision,
          at: iso(d.at),
        };
      });
    },
  ],
  [
    'notifications',
    async (u) => {
      const list = await Notification.find({ user: u._id })
        .sort({ createdAt: 1 })
        .lean<NotificationDoc[]>();
      return list.map((n) => {
        const v = presentNotification(n);
        return { kind: v.kind, text: v.text, note: v.note, at: v.createdAt, read: v.read };
      });
    },
  ],
  [
    'invitationsYouCreated',
    async (u) => {
      const list = await Invitation.find({ createdBy: u._id }).lean();
      const group = await groupLabels(list.map((i) => i.group));
      // The invitee's address is theirs, not the inviter's: left out.
      return list.map((i) => ({
        group: group(i.group),
        kind: i.kind,
        createdAt: iso((i as { createdAt?: Date }).createdAt),
        expiresAt: iso(i.expiresAt),
        uses: i.maxUses - i.usesLeft,
      }));
    },
  ],
  [
    'requestsToJoin',
    async (u) => {
      const list = await JoinRequest.find({ email: u.email }).lean();
      const group = await groupLabels(list.map((j) => j.group));
      return list.map((j) => ({
        group: group(j.group),
        answers: j.answers,
        status: j.status,
        at: iso((j as { createdAt?: Date }).createdAt),
      }));
    },
  ],
  [
    'reportsYouMade',
    async (u) => {
      const threads = await PmThread.find({ 'reports.by': u._id }).lean<PmThreadDoc[]>();
      const aboutConversations = threads.flatMap((t) =>
        t.reports
          .filter((r) => String(r.by) === String(u._id))
          .map((r) => ({ about: 'private conversation', at: iso(r.at), reason: r.reason })),
      );
      const posts = await Report.find({ reporter: u._id }).sort({ createdAt: 1 }).lean();
      const group = await groupLabels(posts.map((r) => r.group));
      const aboutPosts = posts.map((r) => ({
        about: 'post',
        post: String(r.post),
        group: group(r.group),
        rule: r.ruleId,
        note: r.note,
        status: r.status,
        at: iso(r.createdAt),
      }));
      return [...aboutPosts, ...aboutConversations];
    },
  ],
  [
    'appealsYouMade',
    async (u) => {
      const list = await Appeal.find({ appellant: u._id }).sort({ createdAt: 1 }).lean();
      return list.map((a) => ({
        decision: a.action,
        rule: a.ruleId ?? null,
        statement: a.statement,
        status: a.status,
        outcome: a.outcome ?? null,
        outcomeNote: a.outcomeNote,
        at: iso(a.createdAt),
      }));
    },
  ],
  [
    'decisionsAboutYou',
    async (u) => {
      const id = String(u._id);
      const list = await AuditEvent.find({ targetId: id }).sort({ seq: 1 }).lean();
      const group = await groupLabels(list.map((e) => e.group));
      return list.map((e) => ({
        action: e.action,
        group: group(e.group),
        at: iso(e.at),
        rule: e.ruleId ?? null,
        reason: e.reason ?? null,
      }));
    },
  ],
  [
    'privateMessages',
    async (u) => {
      const threads = await PmThread.find({ participants: u._id }).lean<PmThreadDoc[]>();
      const others = threads.map((t) => t.participants.find((p) => String(p) !== String(u._id)));
      const people = await User.find({ _id: trusted({ $in: others.filter(Boolean) }) })
        .select({ displayName: 1, status: 1 })
        .lean();
      const names = new Map(
        people.map((p) => [String(p._id), p.status === 'erased' ? FORMER_MEMBER : p.displayName]),
      );
      const out = [];
      for (const [i, t] of threads.entries()) {
        const other = String(others[i]);
        const messages = await PrivateMessage.find({ thread: t._id }).sort({ sentAt: 1 }).lean();
        out.push({
          with: names.get(other) ?? FORMER_MEMBER,
          status: t.status,
          blocked: Boolean(t.blockedBy),
          moderatorReads: t.moderatorReads.map((r) => ({ at: iso(r.at) })),
          messages: messages.map((m) => ({
            from: String(m.sender) === String(u._id) ? 'you' : (names.get(other) ?? FORMER_MEMBER),
            text: m.body,
            at: iso(m.sentAt),
          })),
        });
      }
      return out;
    },
  ],
];

/** Builds the whole export, reporting progress after each section. */
export async function buildExport(
  userId: Types.ObjectId,
  onProgress: (percent: number) => Promise<void> = async () => undefined,
): Promise<Record<string, unknown>> {
  const user = await User.findById(userId).lean<UserDoc>();
  if (!user) throw new NotFoundError();
  const out: Record<string, unknown> = {};
  for (const [i, [name, build]] of SECTIONS.entries()) {
    out[name] = await build(user);
    await onProgress(Math.round(((i + 1) / SECTIONS.length) * 100));
  }
  return out;
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function htmlValue(v: unknown): string {
  if (v === null || v === undefined) return '<span>—</span>';
  if (Array.isArray(v)) {
    if (v.length === 0) return '<span>(none)</span>';
    return `<ol>${v.map((x) => `<li>${htmlValue(x)}</li>`).join('')}</ol>`;
  }
  if (typeof v === 'object') {
    const rows = Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `<dt>${escapeHtml(k)}</dt><dd>${htmlValue(x)}</dd>`)
      .join('');
    return `<dl>${rows}</dl>`;
  }
  return `<span class="v">${escapeHtml(String(v))}</span>`;
}

/** A self-contained page (no scripts, no external resources) for reading the export. */
export function renderExportHtml(data: Record<string, unknown>): string {
  const sections = Object.entries(data)
    .map(([k, v]) => `<section><h2>${escapeHtml(k)}</h2>${htmlValue(v)}</section>`)
    .join('\n');
  const title = escapeHtml(en.dataRights.htmlTitle);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:1rem auto;padding:0 1rem}dt{font-weight:bold}dd{margin:0 0 .5rem 1rem;white-space:pre-wrap}</style></head><body><h1>${title}</h1>\n${sections}\n</body></html>`;
}

export interface ExportView {
  id: string;
  status: 'queued' | 'running' | 'ready' | 'failed';
  progress: number;
  expiresAt: string | null;
}

function presentJob(j: ExportJobDoc): ExportView {
  return { id: String(j._id), status: j.status, progress: j.progress, expiresAt: iso(j.expiresAt) };
}

export function createDataExportService(deps: Deps) {
  const running = new Set<string>();

  async function processJob(jobId: Types.ObjectId): Promise<void> {
    const key = String(jobId);
    if (running.has(key)) return;
    running.add(key);
    try {
      const job = await ExportJob.findOneAndUpdate(
        { _id: jobId, status: trusted({ $in: ['queued', 'running'] }) },
        { $set: { status: 'running', progress: 0 } },
        { returnDocument: 'after' },
      ).lean<ExportJobDoc>();
      if (!job) return;
      const data = await buildExport(job.user, async (progress) => {
        await ExportJob.updateOne({ _id: jobId }, { $set: { progress } });
      });
      const now = deps.clock.now();
      await ExportJob.updateOne(
        { _id: jobId },
        {
          $set: {
            status: 'ready',
            progress: 100,
            json: JSON.stringify(data, null, 2),
            html: renderExportHtml(data),
            finishedAt: now,
            expiresAt: new Date(now.getTime() + deps.config.exportKeepDays * 86_400_000),
          },
        },
      );
      deps.log.info({ exportId: key }, 'data export ready');
    } catch (error) {
      deps.log.error(
        { exportId: key, err: error instanceof Error ? error.message : 'unknown' },
        'data export failed',
      );
      await ExportJob.updateOne({ _id: jobId }, { $set: { status: 'failed' } });
    } finally {
      running.delete(key);
    }
  }

  return {
    /** Starts (or returns the unfinished) export of the actor's data; it runs in the background. */
    async requestExport(actor: Actor): Promise<{ view: ExportView; done: Promise<void> }> {
      const open = await ExportJob.findOne({
        user: actor.userId,
        status: trusted({ $in: ['queued', 'running'] }),
      }).lean<ExportJobDoc>();
      const job =
        open ??
        ((
          await ExportJob.create({ user: actor.userId, requestedAt: deps.clock.now() })
        ).toObject() as ExportJobDoc);
      const done = processJob(job._id);
      return { view: presentJob(job), done };
    },

    async latestExport(actor: Actor): Promise<ExportView | null> {
      const job = await ExportJob.findOne({ user: actor.userId })
        .sort({ requestedAt: -1 })
        .select({ json: 0, html: 0 })
        .lean<ExportJobDoc>();
      if (!job) return null;
      if (job.expiresAt && job.expiresAt <= deps.clock.now()) return null;
      return presentJob(job);
    },

    /** The finished file, only to its owner and only until it expires. */
    async downloadExport(
      actor: Actor,
      input: { id: string; format: 'json' | 'html' },
    ): Promise<string> {
      if (!Types.ObjectId.isValid(input.id)) throw new NotFoundError();
      const job = await ExportJob.findOne({
        _id: new Types.ObjectId(input.id),
        user: actor.userId,
        status: 'ready',
      }).lean<ExportJobDoc>();
      if (!job || !job.expiresAt || job.expiresAt <= deps.clock.now()) throw new NotFoundError();
      const content = input.format === 'json' ? job.json : job.html;
      if (!content) throw new NotFoundError();
      return content;
    },

    /** Start-up and scheduler: resume unfinished jobs, delete expired ones. */
    async runExportMaintenance(): Promise<{ resumed: number; expired: number }> {
      const expired = await ExportJob.deleteMany({
        expiresAt: trusted({ $lte: deps.clock.now() }),
      });
      const open = await ExportJob.find({ status: trusted({ $in: ['queued', 'running'] }) })
        .select({ _id: 1 })
        .lean();
      await Promise.all(open.map((j) => processJob(j._id)));
      return { resumed: open.length, expired: expired.deletedCount };
    },
  };
}
