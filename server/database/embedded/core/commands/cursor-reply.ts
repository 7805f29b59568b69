/** First batch of a result and, if more remains, a cursor for getMore. */
import { cursorReply } from '../../bson/raw';
import { isPlainObject, toNumber } from '../../bson/values';
import { CursorRegistry } from '../cursors';
import type { Engine } from '../engine';

const DEFAULT_FIRST_BATCH = 101;

export function cursorOf(
  engine: Engine,
  ns: string,
  docs: Buffer[],
  cursorSpec: unknown,
  opts: { batchSize?: number; singleBatch?: boolean } = {},
): Buffer {
  const requested =
    opts.batchSize ??
    (isPlainObject(cursorSpec) && cursorSpec.batchSize !== undefined
      ? toNumber(cursorSpec.batchSize)
      : undefined);
  const first = CursorRegistry.take(docs, 0, requested ?? DEFAULT_FIRST_BATCH);
  const id = opts.singleBatch
    ? engine.cursors.create(ns, [], 0, 0)
    : engine.cursors.create(ns, docs, first.length, engine.now().getTime());
  return cursorReply('firstBatch', first, id, ns);
}
