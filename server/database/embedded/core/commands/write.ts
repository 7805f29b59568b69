/**
 * insert, update, delete, findAndModify. Every change of one command is applied to memory before
 * the first await, then committed as one durable record before the reply.
 */
import { Double, Int32 } from 'bson';
import {
  Doc,
  clone,
  encode,
  isPlainObject,
  isTruthy,
  toNumber,
  valuesEqual,
} from '../../bson/values';
import { runPipeline } from '../../query/aggregate';
import { compileProjection } from '../../query/projection';
import {
  applyReplacement,
  applyUpdate,
  immutableId,
  isOperatorUpdate,
  upsertSeed,
} from '../../query/update';
import { JournalOp } from '../../storage/types';
import { Collection } from '../collection';
import type { Engine, Hit } from '../engine';
import { CommandError, badValue } from '../errors';
import { CommandHandler } from './types';

interface WriteError {
  index: number;
  code: number;
  errmsg: string;
  [k: string]: unknown;
}

function writeErrorOf(index: number, err: unknown): WriteError {
  // Anything thrown while evaluating one statement fails that statement only, so the changes of
  // earlier statements are still committed together with the reply.
  if (!(err instanceof CommandError)) {
    return { index, code: 2, errmsg: err instanceof Error ? err.message : String(err) };
  }
  return { index, code: err.code, errmsg: err.message, ...err.extra };
}

function collName(cmd: Doc, field: string): string {
  const v = cmd[field];
  if (typeof v !== 'string' || v === '')
    throw new CommandError(73, 'InvalidNamespace', 'Invalid namespace');
  return v;
}

function listOf(cmd: Doc, field: string): Doc[] {
  const v = cmd[field];
  if (!Array.isArray(v)) throw badValue(`'${field}' must be an array`);
  if (v.length > 100_000)
    throw new CommandError(
      10,
      'InvalidLength',
      `Write batch sizes must be between 1 and 100000. Got ${v.length} operations.`,
    );
  return v as Doc[];
}

/**
 * The client asked not to wait for the journal (`writeConcern: { j: false }`, or `w: 0`): as with
 * mongod, the write is acknowledged once applied in memory. It is still in the journal's order, so
 * the next write that does wait makes it durable too. Used for counters that may lose their last
 * moment in a crash (rate limits), never for members' posts or decisions.
 */
function journalNotAwaited(cmd: Doc): boolean {
  const wc = cmd.writeConcern;
  if (!isPlainObject(wc)) return false;
  return wc.j === false || (wc.w !== undefined && toNumber(wc.w) === 0);
}

/** Commits `ops` in journal order; the reply waits for durability unless the client said not to. */
function commitFor(engine: Engine, cmd: Doc, ops: JournalOp[]): Promise<void> {
  const committed = engine.commit(ops);
  if (!journalNotAwaited(cmd)) return committed;
  // A journal failure stops the engine's later writes (and is logged by storage); nothing waits here.
  committed.catch(() => undefined);
  return Promise.resolve();
}

function finish(
  engine: Engine,
  cmd: Doc,
  ops: JournalOp[],
  reply: Doc,
  errors: WriteError[],
): Promise<Doc> {
  if (errors.length) reply.writeErrors = errors;
  reply.ok = new Double(1);
  return commitFor(engine, cmd, ops).then(() => reply);
}

function putOp(coll: Collection, doc: Buffer): JournalOp {
  return { op: 'put', db: coll.db, coll: coll.name, doc };
}

function deleteOp(coll: Collection, doc: Doc): JournalOp {
  return { op: 'delete', db: coll.db, coll: coll.name, id: encode({ _id: doc._id }) };
}

/** The updated form of a matched document (not yet stored). */
function updated(engine: Engine, hit: Hit, u: unknown, arrayFilters: Doc[] | undefined): Doc {
  if (Array.isArray(u)) {
    const [out] = runPipeline([clone(hit.doc)], u as Doc[], {
      find: () => [],
      vars: { NOW: engine.now() },
    });
    if (!out || !valuesEqual(out._id, hit.doc._id)) throw immutableId();
    return out;
  }
  if (!isPlainObject(u)) throw badValue('update must be an object or a pipeline');
  if (isOperatorUpdate(u)) {
    const doc = clone(hit.doc);
    applyUpdate(doc, u, { inserting: false, pos: hit.pos, arrayFilters, now: engine.now() });
    return doc;
  }
  return applyReplacement(hit.doc, u);
}

/** The new document of an upsert: query equality fields, then the update or replacement. */
function upserted(engine: Engine, q: Doc, u: unknown, arrayFilters: Doc[] | undefined): Doc {
  if (Array.isArray(u)) {
    const [out] = runPipeline([upsertSeed(q)], u as Doc[], {
      find: () => [],
      vars: { NOW: engine.now() },
    });
    return out ?? {};
  }
  if (isOperatorUpdate(u)) {
    const doc = upsertSeed(q);
    applyUpdate(doc, u, { inserting: true, arrayFilters, now: engine.now() });
    return doc;
  }
  const seed = upsertSeed(q);
  const doc = applyReplacement({}, u as Doc);
  if (!('_id' in doc) && '_id' in seed) return { _id: seed._id, ...doc };
  return doc;
}

function runOne<T>(
  ordered: boolean,
  items: T[],
  errors: WriteError[],
  fn: (item: T, i: number) => void,
): void {
  for (let i = 0; i < items.length; i++) {
    try {
      fn(items[i] as T, i);
    } catch (err) {
      errors.push(writeErrorOf(i, err));
      if (ordered) return;
    }
  }
}

const insert: CommandHandler = (engine, db, cmd) => {
  const docs = listOf(cmd, 'documents');
  const ordered = cmd.ordered !== false;
  const ops: JournalOp[] = [];
  const coll = engine.ensureCollection(db, collName(cmd, 'insert'), ops);
  const errors: WriteError[] = [];
  let n = 0;
  runOne(ordered, docs, errors, (doc) => {
    if (!isPlainObject(doc)) throw badValue('document must be an object');
    ops.push(putOp(coll, coll.insert(doc)));
    n++;
  });
  return finish(engine, cmd, ops, { n: new Int32(n) }, errors);
};

const update: CommandHandler = (engine, db, cmd) => {
  const updates = listOf(cmd, 'updates');
  const ordered = cmd.ordered !== false;
  const ops: JournalOp[] = [];
  const name = collName(cmd, 'update');
  const errors: WriteError[] = [];
  const upsertedIds: Doc[] = [];
  let n = 0;
  let nModified = 0;
  runOne(ordered, updates, errors, (spec, i) => {
    const q = isPlainObject(spec.q) ? spec.q : {};
    const arrayFilters = spec.arrayFilters as Doc[] | undefined;
    const multi = isTruthy(spec.multi);
    if (multi && isPlainObject(spec.u) && !isOperatorUpdate(spec.u)) {
      throw new CommandError(
        9,
        'FailedToParse',
        'multi update is not supported for replacement-style update',
      );
    }
    const coll = engine.collection(db, name);
    const hits = engine.query(coll, q, {
      limit: multi ? undefined : 1,
      sort: multi ? undefined : spec.sort,
    });
    if (hits.length === 0) {
      if (!isTruthy(spec.upsert)) return;
      const doc = upserted(engine, q, spec.u, arrayFilters);
      const target = engine.ensureCollection(db, name, ops);
      ops.push(putOp(target, target.insert(doc)));
      n++;
      upsertedIds.push({ index: new Int32(i), _id: doc._id });
      return;
    }
    for (const hit of hits) {
      const next = updated(engine, hit, spec.u, arrayFilters);
      n++;
      const buf = encode(next);
      if (buf.equals(hit.buf)) continue;
      ops.push(putOp(coll as Collection, (coll as Collection).replace(hit.doc, next)));
      nModified++;
    }
  });
  const reply: Doc = { n: new Int32(n), nModified: new Int32(nModified) };
  if (upsertedIds.length) reply.upserted = upsertedIds;
  return finish(engine, cmd, ops, reply, errors);
};

const del: CommandHandler = (engine, db, cmd) => {
  const deletes = listOf(cmd, 'deletes');
  const ordered = cmd.ordered !== false;
  const ops: JournalOp[] = [];
  const errors: WriteError[] = [];
  const coll = engine.collection(db, collName(cmd, 'delete'));
  let n = 0;
  runOne(ordered, deletes, errors, (spec) => {
    const limit = toNumber(spec.limit ?? 0);
    if (limit !== 0 && limit !== 1)
      throw badValue('The limit field in delete objects must be 0 or 1');
    const hits = engine.query(coll, isPlainObject(spec.q) ? spec.q : {}, {
      limit: limit || undefined,
    });
    for (const hit of hits) {
      (coll as Collection).remove(hit.doc);
      ops.push(deleteOp(coll as Collection, hit.doc));
      n++;
    }
  });
  return finish(engine, cmd, ops, { n: new Int32(n) }, errors);
};

const findAndModify: CommandHandler = (engine, db, cmd) => {
  const name = String(cmd.findAndModify ?? cmd.findandmodify);
  const q = isPlainObject(cmd.query) ? cmd.query : {};
  const remove = isTruthy(cmd.remove);
  if (remove && cmd.update !== undefined)
    throw badValue('Cannot specify both an update and remove=true');
  if (!remove && cmd.update === undefined)
    throw badValue('Either an update or remove=true must be specified');
  const projection = compileProjection(isPlainObject(cmd.fields) ? cmd.fields : undefined);
  const ops: JournalOp[] = [];
  const coll = engine.collection(db, name);
  const [hit] = engine.query(coll, q, { sort: cmd.sort, limit: 1 });
  const present = (d: Doc | null) => (d && projection ? projection(d) : d);
  let value: Doc | null = null;
  const lastErrorObject: Doc = { n: new Int32(0) };
  if (remove) {
    if (hit) {
      (coll as Collection).remove(hit.doc);
      ops.push(deleteOp(coll as Collection, hit.doc));
      value = hit.doc;
      lastErrorObject.n = new Int32(1);
    }
  } else if (hit) {
    const next = updated(engine, hit, cmd.update, cmd.arrayFilters as Doc[] | undefined);
    if (!encode(next).equals(hit.buf))
      ops.push(putOp(coll as Collection, (coll as Collection).replace(hit.doc, next)));
    value = isTruthy(cmd.new) ? next : hit.doc;
    lastErrorObject.n = new Int32(1);
    lastErrorObject.updatedExisting = true;
  } else if (isTruthy(cmd.upsert)) {
    const doc = upserted(engine, q, cmd.update, cmd.arrayFilters as Doc[] | undefined);
    const target = engine.ensureCollection(db, name, ops);
    ops.push(putOp(target, target.insert(doc)));
    value = isTruthy(cmd.new) ? doc : null;
    lastErrorObject.n = new Int32(1);
    lastErrorObject.updatedExisting = false;
    lastErrorObject.upserted = doc._id;
  } else {
    lastErrorObject.updatedExisting = false;
  }
  return commitFor(engine, cmd, ops).then(() => ({
    lastErrorObject,
    value: present(value),
    ok: new Double(1),
  }));
};

export const WRITE_COMMANDS: Record<string, CommandHandler> = {
  insert,
  update,
  delete: del,
  findAndModify,
  findandmodify: findAndModify,
};
