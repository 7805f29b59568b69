/** TTL monitor pass: deletes documents whose indexed date is older than expireAfterSeconds. */
import { decode, encode } from '../bson/values';
import { rangeScan, scanIds } from '../index/planner';
import { JournalOp } from '../storage/types';
import type { Engine } from './engine';

/** Deletes per pass, so one pass never holds the event loop (or one journal record) for long. */
const MAX_DELETES_PER_PASS = 50_000;

export function runTtlPass(engine: Engine, now: Date): { ops: JournalOp[]; deleted: number } {
  const ops: JournalOp[] = [];
  let deleted = 0;
  for (const colls of engine.dbs.values()) {
    for (const coll of colls.values()) {
      for (const index of coll.indexes.values()) {
        if (index.expireAfterSeconds === undefined || index.fields.length !== 1) continue;
        const cutoff = new Date(now.getTime() - index.expireAfterSeconds * 1000);
        const scan = rangeScan('', index.dirs[0] ?? 1, undefined, { v: cutoff, incl: false });
        const ids = [
          ...scanIds({ kind: 'ixscan', index, scans: [scan], sorted: false, reverse: false }),
        ];
        for (const id of ids) {
          if (deleted >= MAX_DELETES_PER_PASS) return { ops, deleted };
          const buf = coll.docs.get(id);
          if (!buf) continue;
          const doc = decode(buf);
          coll.remove(doc);
          ops.push({ op: 'delete', db: coll.db, coll: coll.name, id: encode({ _id: doc._id }) });
          deleted++;
        }
      }
    }
  }
  return { ops, deleted };
}
