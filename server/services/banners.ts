// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import {
  Banner,
  BannerDismissal,
  type BannerDoc,
  type BannerKind,
  type BannerScope,
} from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import {
  bannerContentChanged,
  bannerState,
  isBannerShown,
  type BannerState,
} from '../policies/announcements';
import type {
  BannerEditInput,
  BannerInput,
  BannerRefInput,
  DismissInput,
} from '../schemas/announcements';
import { recordAudit } from './audit';
import { DEFAULT_HOURS, formatLocal } from './business-hours';
import { findGroupBySlugOrId, requireGroupAccess } from './group-access';
import { instantFromLocal, localInputValue } from './local-time';

/**
 * Banners: site-wide (administrators) and per group (its moderators), shown between a start and
 * an optional end. A person can dismiss one; the dismissal names the revision they saw, and every
 * change of text, kind or period raises the revision, so a changed banner comes back. Group
 * banners are found only through `requireGroupAccess`: outsiders never learn one exists.
 */
const b = () => en.announcements.banners;
const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));
const KIND_ORDER: Record<string, number> = { crisis: 0, status: 1, info: 2 };
const LIST_LIMIT = 100;

/** What a reader sees at the top of a page. */
export interface ShownBanner {
  id: string;
  scope: BannerScope;
  kind: BannerKind;
  kindLabel: string;
  text: string;
  revision: number;
}

/** A banner on the management pages. */
export interface BannerView extends ShownBanner {
  state: BannerState;
  stateLabel: string;
  periodText: string;
  startsLocal: string;
  endsLocal: string;
}

/** Where a banner lives: the whole site, or one group (with the zone its times are entered in). */
interface Place {
  scope: BannerScope;
  group: Types.ObjectId | null;
  timeZone: string;
  name: string;
  slug: string | null;
}

function shown(doc: BannerDoc): ShownBanner {
  return {
    id: String(doc._id),
    scope: doc.scope,
    kind: doc.kind,
    kindLabel: en.announcements.kinds[doc.kind] ?? doc.kind,
    text: doc.text,
    revision: doc.revision,
  };
}

function invalid(path: string, message: string): ValidationError {
  return new ValidationError(message, [{ path, message }]);
}

/**
 * Every signed-in page shows the banners in force, and banners change a few times a month: this
 * process keeps the ones that may still show for a moment instead of asking on every page.
 * Changes made here are seen at once; another instance's within this time.
 */
const BANNERS_TTL_MS = 2_000;
let bannerCache: { at: number; docs: Promise<BannerDoc[]> } | null = null;

function forgetBanners(): void {
  bannerCache = null;
}

function bannersInForceOrAhead(now: Date): Promise<BannerDoc[]> {
  const at = performance.now();
  if (bannerCache && at - bannerCache.at < BANNERS_TTL_MS) return bannerCache.docs;
  const entry = {
    at,
    docs: Banner.find({ $or: [{ endsAt: null }, { endsAt: trusted({ $gt: now }) }] })
      .limit(500)
      .lean<BannerDoc[]>()
      .exec(),
  };
  bannerCache = entry;
  entry.docs.catch(() => {
    if (bannerCache === entry) bannerCache = null;
  });
  return entry.docs;
}

export function createBannerService(deps: Deps) {
  const { clock } = deps;

  async function sitePlace(actor: Actor): Promise<Place> {
    if (actor.siteRole !== 'admin') throw new NotFoundError();
    const zone = deps.config.siteTimeZone;
    return { scope: 'site', group: null, timeZone: zone, name: en.site.name, slug: null };
  }

  async function groupPlace(actor: Actor, groupRef: string): Promise<Place> {
    const { group } = await requireGroupAccess(clock, actor, groupRef, 'moderate');
    return {
      scope: 'group',
      group: group._id,
      timeZone: group.businessHours?.timeZone ?? DEFAULT_HOURS.timeZone,
      name: group.name,
      slug: group.slug,
    };
  }

  function present(doc: BannerDoc, zone: string, now: Date): BannerView {
    const state = bannerState(doc, now);
    return {
      ...shown(doc),
      state,
      stateLabel: b().states[state] ?? state,
      periodText: b().period(
        formatLocal(doc.startsAt, zone),
        doc.endsAt ? formatLocal(doc.endsAt, zone) : null,
      ),
      startsLocal: localInputValue(doc.startsAt, zone),
      endsLocal: localInputValue(doc.endsAt, zone),
    };
  }

  /** Start and end as instants, checked: the end after the start and (if `future`) after now. */
  function period(input: BannerInput, zone: string, now: Date, requireFutureEnd: boolean) {
    const startsAt = input.startsAt ? instantFromLocal(input.startsAt, zone) : now;
    if (!startsAt) throw invalid('startsAt', b().errors.badTime);
    const endsAt = input.endsAt ? instantFromLocal(input.endsAt, zone) : null;
    if (input.endsAt && !endsAt) throw invalid('endsAt', b().errors.badTime);
    if (endsAt && endsAt.getTime() <= startsAt.getTime()) {
      throw invalid('endsAt', b().errors.endBeforeStart);
    }
    if (endsAt && requireFutureEnd && endsAt.getTime() <= now.getTime()) {
      throw invalid('endsAt', b().errors.endPassed);
    }
    return { startsAt, endsAt };
  }

  async function audit(actor: Actor, place: Place, doc: BannerDoc, action: string, key: string) {
    await recordAudit(deps, {
      key: `banner:${String(doc._id)}:${key}`,
      action,
      actor: actor.userId,
      group: place.group,
      targetType: 'banner',
      targetId: doc._id,
      // Never the text: kind, scope and revision are enough to follow what happened.
      meta: { scope: place.scope, kind: doc.kind, revision: doc.revision },
    });
  }

  async function list(place: Place) {
    const now = clock.now();
    const docs = await Banner.find({ scope: place.scope, group: place.group })
      .sort({ startsAt: -1 })
      .limit(LIST_LIMIT)
      .lean<BannerDoc[]>();
    const order: Record<BannerState, number> = { active: 0, upcoming: 1, ended: 2 };
    const views = docs.map((d) => present(d, place.timeZone, now));
    views.sort((x, y) => order[x.state] - order[y.state]);
    return {
      place: { scope: place.scope, name: place.name, slug: place.slug, timeZone: place.timeZone },
      banners: views,
    };
  }

  async function create(actor: Actor, place: Place, input: BannerInput): Promise<BannerView> {
    const now = clock.now();
    const { startsAt, endsAt } = period(input, place.timeZone, now, true);
    const created = await Banner.create({
      scope: place.scope,
      group: place.group,
      kind: input.kind,
      text: input.text,
      startsAt,
      endsAt,
      revision: 1,
      createdBy: actor.userId,
    });
    const doc = created.toObject() as BannerDoc;
    forgetBanners();
    await audit(actor, place, doc, 'banner.created', 'r1');
    return present(doc, place.timeZone, now);
  }

  async function load(place: Place, bannerId: string): Promise<BannerDoc> {
    const doc = await Banner.findOne({
      _id: oid(bannerId),
      scope: place.scope,
      group: place.group,
    }).lean<BannerDoc>();
    if (!doc) throw new NotFoundError();
    return doc;
  }

  async function update(
    actor: Actor,
    place: Place,
    input: BannerEditInput,
  ): Promise<{ banner: BannerView; changed: boolean }> {
    const now = clock.now();
    const current = await load(place, input.bannerId);
    if (current.revision !== input.revision) throw new ConflictError(b().errors.changed);
    const { startsAt, endsAt } = period(input, place.timeZone, now, false);
    const next = { kind: input.kind, text: input.text, startsAt, endsAt };
    if (!bannerContentChanged(current, next)) {
      return { banner: present(current, place.timeZone, now), changed: false };
    }
    // Conditional on the revision the editor saw: a concurrent edit is refused, not overwritten.
    const updated = await Banner.findOneAndUpdate(
      { _id: current._id, scope: place.scope, group: place.group, revision: input.revision },
      {
        $set: { ...next, updatedBy: actor.userId, endedEarlyAt: null },
        $inc: { revision: 1 },
      },
      { returnDocument: 'after' },
    ).lean<BannerDoc>();
    if (!updated) throw new ConflictError(b().errors.changed);
    forgetBanners();
    await audit(actor, place, updated, 'banner.edited', `r${updated.revision}`);
    return { banner: present(updated, place.timeZone, now), changed: true };
  }

  async function end(actor: Actor, place: Place, input: BannerRefInput): Promise<BannerView> {
    const now = clock.now();
    const current = await load(place, input.bannerId);
    const updated = await Banner.findOneAndUpdate(
      {
        _id: current._id,
        scope: place.scope,
        group: place.group,
        $or: [{ endsAt: null }, { endsAt: trusted({ $gt: now }) }],
      },
      { $set: { endsAt: now, endedEarlyAt: now, updatedBy: actor.userId } },
      { returnDocument: 'after' },
    ).lean<BannerDoc>();
    if (!updated) throw new ConflictError(b().errors.ended);
    forgetBanners();
    await audit(actor, place, updated, 'banner.ended', `ended:${now.getTime()}`);
    return present(updated, place.timeZone, now);
  }

  /** Active banners of one place, minus those this person dismissed at their current revision. */
  async function visible(actor: Actor, docs: BannerDoc[], now: Date): Promise<ShownBanner[]> {
    if (docs.length === 0) return [];
    const dismissals = await BannerDismissal.find({
      user: actor.userId,
      banner: trusted({ $in: docs.map((d) => d._id) }),
    })
      .select({ banner: 1, revision: 1 })
      .lean();
    const seen = new Map(dismissals.map((d) => [String(d.banner), d.revision]));
    return docs
      .filter((d) => isBannerShown(d, seen.get(String(d._id)), now))
      .sort(
        (x, y) =>
          (KIND_ORDER[x.kind] ?? 9) - (KIND_ORDER[y.kind] ?? 9) ||
          y.startsAt.getTime() - x.startsAt.getTime(),
      )
      .map(shown);
  }

  return {
    listSiteBanners: async (actor: Actor) => list(await sitePlace(actor)),
    createSiteBanner: async (actor: Actor, input: BannerInput) =>
      create(actor, await sitePlace(actor), input),
    updateSiteBanner: async (actor: Actor, input: BannerEditInput) =>
      update(actor, await sitePlace(actor), input),
    endSiteBanner: async (actor: Actor, input: BannerRefInput) =>
      end(actor, await sitePlace(actor), input),
    getSiteBanner: async (actor: Actor, input: BannerRefInput) => {
      const place = await sitePlace(actor);
      return {
        place: { name: place.name, slug: place.slug, timeZone: place.timeZone },
        banner: present(await load(place, input.bannerId), place.timeZone, clock.now()),
      };
    },

    listGroupBanners: async (actor: Actor, input: { group: string }) =>
      list(await groupPlace(actor, input.group)),
    createGroupBanner: async (actor: Actor, input: BannerInput & { group: string }) =>
      create(actor, await groupPlace(actor, input.group), input),
    updateGroupBanner: async (actor: Actor, input: BannerEditInput & { group: string }) =>
      update(actor, await groupPlace(actor, input.group), input),
    endGroupBanner: async (actor: Actor, input: BannerRefInput & { group: string }) =>
      end(actor, await groupPlace(actor, input.group), input),
    getGroupBanner: async (actor: Actor, input: BannerRefInput & { group: string }) => {
      const place = await groupPlace(actor, input.group);
      return {
        place: { name: place.name, slug: place.slug, timeZone: place.timeZone },
        banner: present(await load(place, input.bannerId), place.timeZone, clock.now()),
      };
    },

    /**
     * The banners a signed-in person sees on a page: the site's, and (on a group's pages) the
     * group's if they may enter it. The group's banners are read first and access is checked only
     * when there are any, so pages of groups without banners cost one indexed query.
     */
    async shownBanners(actor: Actor, input: { group?: string | null }): Promise<ShownBanner[]> {
      const now = clock.now();
      const inForce = (await bannersInForceOrAhead(now)).filter(
        (d) => d.startsAt <= now && (!d.endsAt || d.endsAt > now),
      );
      const site = inForce.filter((d) => d.scope === 'site').slice(0, 20);
      let groupDocs: BannerDoc[] = [];
      // The group is looked up (and access checked) only when some group has a banner up.
      if (input.group && inForce.some((d) => d.scope === 'group')) {
        const group = await findGroupBySlugOrId(input.group);
        const docs = group
          ? inForce.filter((d) => d.scope === 'group' && String(d.group) === String(group._id))
          : [];
        if (group && docs.length > 0) {
          try {
            await requireGroupAccess(clock, actor, String(group._id), 'enter');
            groupDocs = docs.slice(0, 20);
          } catch (error) {
            if (!(error instanceof NotFoundError)) throw error;
          }
        }
      }
      return [...(await visible(actor, site, now)), ...(await visible(actor, groupDocs, now))];
    },

    /**
     * Puts a banner away for this person (the revision they saw; a later change brings it back).
     * A group's banner can be dismissed only by someone who may enter the group: 404 otherwise.
     */
    async dismissBanner(actor: Actor, input: DismissInput): Promise<{ bannerId: string }> {
      const doc = await Banner.findById(oid(input.bannerId)).lean<BannerDoc>();
      if (!doc) throw new NotFoundError();
      if (doc.scope === 'group') {
        await requireGroupAccess(clock, actor, String(doc.group), 'enter');
      }
      const revision = Math.min(input.revision, doc.revision);
      try {
        // Only ever moves forward: a late dismissal of an older revision changes nothing.
        await BannerDismissal.updateOne(
          { user: actor.userId, banner: doc._id, revision: trusted({ $lt: revision }) },
          { $set: { revision, at: clock.now() } },
          { upsert: true },
        );
      } catch (error) {
        // The upsert met the person's existing dismissal of this or a later revision: done.
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      return { bannerId: String(doc._id) };
    },
  };
}

export type BannerService = ReturnType<typeof createBannerService>;
