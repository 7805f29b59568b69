// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { Membership, Post, RotaSlot, type GroupDoc, type RotaSlotDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError } from '../errors';
import type { AddSlotInput, HandOverInput, SlotRefInput, SwapInput } from '../schemas/coverage';
import { recordAudit } from './audit';
import {
  coverageStatus,
  describeSlot,
  slotsOverlap,
  weekGrid,
  type RotaSlot as Slot,
} from './coverage';
import { requireGroupAccess } from './group-access';
import { loadCoverage, toSlot } from './coverage-load';
import { displayNames } from './posts';

export interface SlotView {
  id: string;
  weekday: number;
  start: string;
  end: string;
  label: string;
  moderatorId: string | null;
  moderatorName: string | null;
  mine: boolean;
}

const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));

export function createRotaService(deps: Deps) {
  const { clock } = deps;

  async function audit(
    actor: Actor,
    group: GroupDoc,
    slot: RotaSlotDoc,
    action: string,
    to?: string,
  ) {
    await recordAudit(deps, {
      key: `rota:${String(slot._id)}:${action}:${clock.now().getTime()}:${String(actor.userId)}`,
      action: `rota.${action}`,
      actor: actor.userId,
      group: group._id,
      targetType: 'rota_slot',
      targetId: slot._id,
      meta: { weekday: slot.weekday, start: slot.start, end: slot.end, ...(to ? { to } : {}) },
    });
  }

  async function listRota(actor: Actor, input: { group: string }) {
    const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
    const docs = await RotaSlot.find({ group: group._id })
      .sort({ weekday: 1, start: 1 })
      .lean<RotaSlotDoc[]>();
    const coverage = await loadCoverage(group);
    const names = await displayNames(
      docs.filter((d) => d.moderator).map((d) => String(d.moderator)),
    );
    const mods = await Membership.find({ group: group._id, status: 'active', roles: 'moderator' })
      .select({ user: 1 })
      .lean();
    const modNames = await displayNames(mods.map((m) => String(m.user)));
    const slots: SlotView[] = docs.map((d) => {
      const moderatorId = d.moderator ? String(d.moderator) : null;
      return {
        id: String(d._id),
        weekday: d.weekday,
        start: d.start,
        end: d.end,
        label: describeSlot(d),
        moderatorId,
        moderatorName: moderatorId ? (names.get(moderatorId) ?? null) : null,
        mine: moderatorId === String(actor.userId),
      };
    });
    const now = clock.now();
    // privileged read: arrival times only (no bodies), for the coverage week view
    const arrivals = await Post.find({
      group: group._id,
      submittedAt: trusted({ $gte: new Date(now.getTime() - 28 * 86_400_000), $lte: now }),
    })
      .select({ submittedAt: 1 })
      .lean();
    return {
      group: { id: String(group._id), slug: group.slug, name: group.name },
      grid: weekGrid(
        coverage.hours,
        coverage.slots,
        now,
        arrivals.map((p) => p.submittedAt),
      ),
      timeZone: coverage.hours.timeZone,
      slots,
      moderators: [...modNames].map(([id, name]) => ({ id, name })),
      status: coverageStatus(coverage.hours, coverage.slots, now),
    };
  }

  async function addSlot(actor: Actor, input: AddSlotInput) {
    const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
    const candidate: Slot = {
      weekday: input.weekday,
      start: input.start,
      end: input.end,
      moderatorId: null,
    };
    if (input.takeIt) {
      // One person cannot be on duty twice at once: refuse overlapping slots of one's own.
      const own = await RotaSlot.find({ group: group._id, moderator: actor.userId }).lean<
        RotaSlotDoc[]
      >();
      if (own.map(toSlot).some((s) => slotsOverlap(s, candidate))) {
        throw new ConflictError('You already have a slot at that time.');
      }
    }
    const doc = await RotaSlot.create({
      group: group._id,
      weekday: input.weekday,
      start: input.start,
      end: input.end,
      moderator: input.takeIt ? actor.userId : null,
      createdBy: actor.userId,
    });
    const slot = doc.toObject() as RotaSlotDoc;
    await audit(actor, group, slot, 'slot_added');
    return { id: String(slot._id) };
  }

  async function slotOf(groupId: Types.ObjectId, slotId: string): Promise<RotaSlotDoc> {
    const slot = await RotaSlot.findOne({ _id: oid(slotId), group: groupId }).lean<RotaSlotDoc>();
    if (!slot) throw new NotFoundError();
    return slot;
  }

  /** Takes a free slot; if someone else took it first, nothing changes and the second is told. */
  async function takeSlot(actor: Actor, input: SlotRefInput) {
    const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
    const slot = await slotOf(group._id, input.slotId);
    const own = await RotaSlot.find({ group: group._id, moderator: actor.userId }).lean<
      RotaSlotDoc[]
    >();
    if (own.map(toSlot).some((s) => slotsOverlap(s, toSlot(slot)))) {
      throw new ConflictError('You already have a slot at that time.');
    }
    const updated = await RotaSlot.findOneAndUpdate(
      { _id: slot._id, group: group._id, moderator: null },
      { $set: { moderator: actor.userId } },
      { returnDocument: 'after' },
    ).lean<RotaSlotDoc>();
    if (!updated) throw new ConflictError('Someone else has just taken this slot.');
    await audit(actor, group, updated, 'slot_taken');
  }

  /** Gives one of one's own slots to another moderator of the group. */
  async function handOverSlot(actor: Actor, input: HandOverInput) {
    const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
    const target = await Membership.findOne({
      group: group._id,
      user: oid(input.toUserId),
      status: 'active',
      roles: 'moderator',
    }).lean();
    if (!target) throw new NotFoundError();
    const updated = await RotaSlot.findOneAndUpdate(
      { _id: oid(input.slotId), group: group._id, moderator: actor.userId },
      { $set: { moderator: oid(input.toUserId) } },
      { returnDocument: 'after' },
    ).lean<RotaSlotDoc>();
    if (!updated) throw new ConflictError('This slot is no longer yours.');
    await audit(actor, group, updated, 'slot_handed_over', input.toUserId);
  }

  /** Exchanges one of one's own slots with another moderator's slot. */
  async function swapSlots(actor: Actor, input: SwapInput) {
    const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
    const mine = await slotOf(group._id, input.slotId);
    const theirs = await slotOf(group._id, input.withSlotId);
    if (String(mine.moderator) !== String(actor.userId) || !theirs.moderator) {
      throw new ConflictError('Only your own slot can be swapped, for someone else’s.');
    }
    const other = theirs.moderator;
    // No transactions on the engine: the second step is conditional and the first is undone
    // if it fails, so a slot is never left with two owners or none.
    const first = await RotaSlot.findOneAndUpdate(
      { _id: mine._id, moderator: actor.userId },
      { $set: { moderator: other } },
    );
    if (!first) throw new ConflictError('This slot is no longer yours.');
    const second = await RotaSlot.findOneAndUpdate(
      { _id: theirs._id, moderator: other },
      { $set: { moderator: actor.userId } },
    );
    if (!second) {
      await RotaSlot.updateOne(
        { _id: mine._id, moderator: other },
        { $set: { moderator: actor.userId } },
      );
      throw new ConflictError('The other slot changed hands; nothing was swapped.');
    }
    await audit(actor, group, mine, 'slot_swapped', String(other));
  }

  /** Gives a slot back to the free list. */
  async function releaseSlot(actor: Actor, input: SlotRefInput) {
    const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
    const updated = await RotaSlot.findOneAndUpdate(
      { _id: oid(input.slotId), group: group._id, moderator: actor.userId },
      { $set: { moderator: null } },
      { returnDocument: 'after' },
    ).lean<RotaSlotDoc>();
    if (!updated) throw new ConflictError('This slot is no longer yours.');
    await audit(actor, group, updated, 'slot_released');
  }

  /** Removes a free slot (or one's own) from the rota. */
  async function removeSlot(actor: Actor, input: SlotRefInput) {
    const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
    const slot = await slotOf(group._id, input.slotId);
    const deleted = await RotaSlot.findOneAndDelete({
      _id: slot._id,
      moderator: trusted({ $in: [null, actor.userId] }),
    });
    if (!deleted) throw new ConflictError('Only a free slot or your own can be removed.');
    await audit(actor, group, slot, 'slot_removed');
  }

  return { listRota, addSlot, takeSlot, handOverSlot, swapSlots, releaseSlot, removeSlot };
}
