import { Types } from 'mongoose';
import { Group, type GroupDoc } from '../../models';
import { batched } from './batched';

/**
 * The next publication number of a group (members catch up by `seq >`). Concurrent publications
 * share one `$inc` per group: a batch that needs k numbers of a group adds k and takes the k
 * numbers ending at the result, which no other writer (here or on another instance) can get.
 *
 * The number need not wait for the journal: the decision that uses it does, and the journal keeps
 * order, so a durable decision always has a durable number (an unused number is only a gap).
 * Resolves null for a group that no longer exists.
 */
export const nextSeq = batched(
  async (groupIds: Types.ObjectId[]): Promise<Array<number | null>> => {
    const wanted = new Map<string, number>();
    for (const id of groupIds) wanted.set(String(id), (wanted.get(String(id)) ?? 0) + 1);
    const last = new Map<string, number | null>();
    await Promise.all(
      [...wanted].map(async ([id, count]) => {
        const doc = await Group.findOneAndUpdate(
          { _id: new Types.ObjectId(id) },
          { $inc: { lastSeq: count } },
          { returnDocument: 'after', writeConcern: { w: 1, j: false } },
        )
          .select({ lastSeq: 1 })
          .lean<Pick<GroupDoc, 'lastSeq'>>();
        last.set(id, doc ? doc.lastSeq - count : null);
      }),
    );
    // Numbers are handed out in call order within each group.
    return groupIds.map((id) => {
      const before = last.get(String(id));
      if (before === null || before === undefined) return null;
      last.set(String(id), before + 1);
      return before + 1;
    });
  },
);
