// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { AuditEvent, Group, type AuditEventDoc, type GroupDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { NotFoundError } from '../errors';
import { en } from '../i18n/en';
import { isAdmin } from '../policies/group';
import type { AuditFilterInput } from '../schemas/moderation';
import { DEFAULT_HOURS, formatLocal, zonedTime } from './business-hours';
import { findGroupBySlugOrId, requireGroupAccess } from './group-access';
import { displayNames } from './posts';

/**
 * Browsing the audit trail: moderators see their group's events only, administrators all
 * (optionally one group). Filters: group, who acted, action, period (days in the group's time
 * zone, or Dublin time across groups). Events carry ids, codes, rules and staff reasons only.
 */
const LIMIT = 200;

export interface AuditRowView {
  seq: number;
  at: string;
  atText: string;
  action: string;
  actorName: string;
  groupName: string | null;
  targetType: string;
  targetId: string;
  ruleTitle: string | null;
  reason: string | null;
}

function dayStart(day: string, zone: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return zonedTime(y ?? 1970, m ?? 1, d ?? 1, 0, 0, zone);
}

function nextDay(day: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

export function createAuditBrowseService(deps: Deps) {
  return {
    async browseAudit(
      actor: Actor,
      filter: AuditFilterInput & { scopeGroup?: string },
    ): Promise<{
      scope: { slug: string | null; name: string | null };
      rows: AuditRowView[];
      actions: string[];
      actors: Array<{ id: string; name: string }>;
      groups: Array<{ slug: string; name: string }>;
      filter: AuditFilterInput;
      limit: number;
    }> {
      // A moderator's page is scoped to their group; an administrator may pick any or all.
      let group: GroupDoc | null = null;
      const ref = filter.scopeGroup ?? filter.group;
      if (filter.scopeGroup && !isAdmin(actor)) {
        group = (await requireGroupAccess(deps.clock, actor, filter.scopeGroup, 'moderate')).group;
      } else if (isAdmin(actor)) {
        if (ref) {
          group = await findGroupBySlugOrId(ref);
          if (!group) throw new NotFoundError();
        }
      } else {
        throw new NotFoundError();
      }
      const scope: Record<string, unknown> = group ? { group: group._id } : {};
      const zone = group?.businessHours?.timeZone ?? DEFAULT_HOURS.timeZone;
      const query: Record<string, unknown> = { ...scope };
      if (filter.actor) query.actor = new Types.ObjectId(filter.actor);
      if (filter.action) query.action = filter.action;
      const at: Record<string, Date> = {};
      if (filter.from) at.$gte = dayStart(filter.from, zone);
      if (filter.to) at.$lt = dayStart(nextDay(filter.to), zone);
      if (Object.keys(at).length) query.at = trusted(at);

      const [events, recentForOptions, groups] = await Promise.all([
        AuditEvent.find(query).sort({ seq: -1 }).limit(LIMIT).lean<AuditEventDoc[]>(),
        AuditEvent.find(scope).sort({ seq: -1 }).limit(2000).select({ action: 1, actor: 1 }).lean(),
        isAdmin(actor)
          ? Group.find({})
              .select({ slug: 1, name: 1, rules: 1 })
              .sort({ name: 1 })
              .lean<GroupDoc[]>()
          : Promise.resolve(group ? [group] : []),
      ]);
      const groupMap = new Map(groups.map((g) => [String(g._id), g]));
      const actorIds = [
        ...new Set(
          [...events, ...recentForOptions]
            .map((e) => (e.actor ? String(e.actor) : ''))
            .filter(Boolean),
        ),
      ];
      const names = await displayNames(actorIds);
      const rows = events.map((e) => {
        const g = e.group ? groupMap.get(String(e.group)) : undefined;
        const rule = e.ruleId ? (g?.rules ?? []).find((r) => r.ruleId === e.ruleId) : undefined;
        return {
          seq: e.seq,
          at: e.at.toISOString(),
          atText: formatLocal(e.at, g?.businessHours?.timeZone ?? zone),
          action: e.action,
          actorName: e.actor ? (names.get(String(e.actor)) ?? '—') : en.toolkit.audit.system,
          groupName: g?.name ?? null,
          targetType: e.targetType,
          targetId: e.targetId,
          ruleTitle: e.ruleId ? (rule?.title ?? e.ruleId) : null,
          reason: e.reason ?? null,
        };
      });
      return {
        scope: { slug: group?.slug ?? null, name: group?.name ?? null },
        rows,
        actions: [...new Set(recentForOptions.map((e) => e.action))].sort(),
        actors: actorIds
          .map((id) => ({ id, name: names.get(id) ?? '—' }))
          .sort((a, b) => a.name.localeCompare(b.name)),
        groups: groups.map((g) => ({ slug: g.slug, name: g.name })),
        filter,
        limit: LIMIT,
      };
    },
  };
}
