import type { Types } from 'mongoose';
import { Membership, RotaSlot, type GroupDoc, type RotaSlotDoc } from '../../models';
import { coalesced } from './batched';
import { DEFAULT_HOURS, type BusinessHours } from './business-hours';
import type { RotaSlot as Slot } from './coverage';

export interface Coverage {
  hours: BusinessHours;
  slots: Slot[];
  /** The group's active moderators (loaded anyway to check the slots; alerts need them too). */
  moderatorIds: string[];
}

export function toSlot(doc: RotaSlotDoc): Slot {
  return {
    weekday: doc.weekday,
    start: doc.start,
    end: doc.end,
    moderatorId: doc.moderator ? String(doc.moderator) : null,
  };
}

/** The group's business hours and rota, as the pure coverage functions take them. */
export async function loadCoverage(
  group: Pick<GroupDoc, '_id' | 'businessHours'>,
): Promise<Coverage> {
  const hours = (group.businessHours as BusinessHours | undefined) ?? DEFAULT_HOURS;
  const { slots, moderatorIds } = await rotaOf(group._id);
  return { hours, slots, moderatorIds };
}

/** The rota and the active moderators: read by every page and post of the group (batched.ts). */
const rotaOf = coalesced(
  (groupId: Types.ObjectId) => String(groupId),
  async (groupId: Types.ObjectId) => {
    // A slot whose moderator stepped down covers nothing: only active moderators count.
    const [docs, mods] = await Promise.all([
      RotaSlot.find({ group: groupId }).lean<RotaSlotDoc[]>(),
      Membership.find({ group: groupId, status: 'active', roles: 'moderator' })
        .select({ user: 1 })
        .lean(),
    ]);
    const active = new Set(mods.map((m) => String(m.user)));
    const slots = docs
      .map(toSlot)
      .map((s) => (s.moderatorId && !active.has(s.moderatorId) ? { ...s, moderatorId: null } : s));
    return { slots, moderatorIds: [...active] };
  },
);
