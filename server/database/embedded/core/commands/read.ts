/** find, getMore, killCursors, count, distinct, aggregate, explain. */
import { Double, Int32, Long } from 'bson';
import { cursorReply, pickFields } from '../../bson/raw';
import { getPath } from '../../bson/paths';
import { Doc, bsonTypeOf, canonicalKey, encode, isPlainObject, toNumber } from '../../bson/values';
import { Plan } from '../../index/planner';
import { runPipeline, stageName } from '../../query/aggregate';
import { compileProjection, topLevelProjection } from '../../query/projection';
import { Collection } from '../collection';
import { CursorRegistry } from '../cursors';
import type { Engine } from '../engine';
import { CommandError, badValue } from '../errors';
import { cursorOf } from './cursor-reply';
import { CommandHandler } from './types';

function collName(cmd: Doc, field: string): string {
  const v = cmd[field];
  if (typeof v !== 'string' || v === '') {
    throw new CommandError(
      73,
      'InvalidNamespace',
      `collection name has invalid type ${bsonTypeOf(v) ?? typeof v}`,
    );
  }
  return v;
}

function optNumber(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = toNumber(v);
  if (Number.isNaN(n)) throw badValue(`${name} must be a number`);
  return n;
}

function filterOf(v: unknown): Doc {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) throw badValue('filter must be an object');
  return v;
}

function findDocs(engine: Engine, db: string, cmd: Doc): { coll?: Collection; docs: Buffer[] } {
  const name = collName(cmd, 'find');
  const coll = engine.collection(db, name);
  const skip = optNumber(cmd.skip, 'skip');
  if (skip !== undefined && skip < 0) throw badValue('skip value must be non-negative');
  const rawLimit = optNumber(cmd.limit, 'limit');
  const limit = rawLimit ? Math.abs(rawLimit) : undefined;
  const spec = isPlainObject(cmd.projection) ? cmd.projection : undefined;
  const projection = compileProjection(spec);
  if (isPlainObject(cmd.sort) && Object.values(cmd.sort).some((v) => isPlainObject(v))) {
    throw badValue('$meta sort is not supported');
  }
  // Top-level fields kept or left out: copied from the stored bytes, nothing decoded for it.
  const keep = projection ? topLevelProjection(spec) : null;
  const bytesOnly = !projection || keep !== null;
  const hits = engine.query(coll, filterOf(cmd.filter), {
    sort: cmd.sort,
    skip,
    limit,
    bytesOnly,
  });
  const docs = keep
    ? hits.map((h) => pickFields(h.buf, keep))
    : projection
      ? hits.map((h) => encode(projection(h.doc, h.pos)))
      : hits.map((h) => h.buf);
  return { coll, docs };
}

function describePlan(plan: Plan, coll: Collection | undefined): Doc {
  if (!coll) return { stage: 'EOF' };
  if (plan.kind === 'id')
    return { stage: 'IDHACK', indexName: '_id_', keyPattern: { _id: new Int32(1) } };
  if (plan.kind === 'collscan') return { stage: 'COLLSCAN', direction: 'forward' };
  return {
    stage: 'FETCH',
    inputStage: {
      stage: 'IXSCAN',
      indexName: plan.index.name,
      keyPattern: plan.index.spec.key,
      isMultiKey: plan.index.multikey,
      isUnique: plan.index.unique,
      direction: plan.reverse ? 'backward' : 'forward',
    },
  };
}

function explainFind(engine: Engine, db: string, inner: Doc, verbosity: unknown): Doc {
  const kind = Object.keys(inner)[0];
  let filter: Doc = {};
  let sort: unknown;
  let name: string;
  if (kind === 'find') {
    name = collName(inner, 'find');
    filter = filterOf(inner.filter);
    sort = inner.sort;
  } else if (kind === 'count' || kind === 'distinct') {
    name = collName(inner, kind);
    filter = filterOf(inner.query);
  } else if (kind === 'aggregate') {
    name = collName(inner, 'aggregate');
    const first = (inner.pipeline as Doc[] | undefined)?.[0];
    if (first && isPlainObject(first.$match)) filter = first.$match;
  } else if (kind === 'update' || kind === 'delete' || kind === 'findAndModify') {
    name = collName(inner, kind);
    const list = inner[kind === 'update' ? 'updates' : 'deletes'] as Doc[] | undefined;
    filter = filterOf(kind === 'findAndModify' ? inner.query : list?.[0]?.q);
  } else {
    throw badValue(`Explain is not supported for ${String(kind)}`);
  }
  const coll = engine.collection(db, name);
  const plan = coll ? engine.plan(coll, filter, sort) : ({ kind: 'collscan' } as Plan);
  const winningPlan = describePlan(plan, coll);
  const out: Doc = {
    explainVersion: '1',
    queryPlanner: {
      namespace: `${db}.${name}`,
      parsedQuery: filter,
      winningPlan,
      rejectedPlans: [],
    },
    ok: new Double(1),
  };
  if (verbosity !== 'queryPlanner' && kind === 'find') {
    const before = engine.stats();
    const hits = engine.query(coll, filter, { sort });
    const after = engine.stats();
    out.executionStats = {
      executionSuccess: true,
      nReturned: new Int32(hits.length),
      totalDocsExamined: new Int32(after.docsExamined - before.docsExamined),
      indexScans: new Int32(after.indexScans - before.indexScans),
    };
  }
  return out;
}

function aggregate(engine: Engine, db: string, cmd: Doc): Buffer | Doc {
  const pipeline = cmd.pipeline;
  if (!Array.isArray(pipeline)) throw badValue("'pipeline' option must be specified as an array");
  const stages = pipeline as Doc[];
  for (const s of stages) {
    if (!isPlainObject(s)) throw badValue('Each element of the pipeline array must be an object');
    stageName(s);
  }
  if (cmd.explain)
    return explainFind(engine, db, { aggregate: cmd.aggregate, pipeline }, 'queryPlanner');
  if (typeof cmd.aggregate !== 'string') {
    if (stages[0] && '$changeStream' in stages[0]) {
      throw new CommandError(
        40573,
        'Location40573',
        'The $changeStream stage is only supported on replica sets',
      );
    }
    throw badValue("Harbour's embedded database engine supports only collection aggregations");
  }
  const name = collName(cmd, 'aggregate');
  const coll = engine.collection(db, name);
  // A leading $match (and $sort/$limit right after it) runs through the query planner.
  let rest = stages;
  let filter: Doc = {};
  let sort: unknown;
  let limit: number | undefined;
  if (rest[0] && isPlainObject(rest[0].$match) && !('$expr' in rest[0].$match)) {
    filter = rest[0].$match;
    rest = rest.slice(1);
    if (rest[0] && isPlainObject(rest[0].$sort)) {
      sort = rest[0].$sort;
      rest = rest.slice(1);
      if (rest[0] && rest[0].$limit !== undefined) {
        limit = toNumber(rest[0].$limit);
        rest = rest.slice(1);
      }
    }
  }
  if (rest[0] && '$changeStream' in rest[0]) {
    throw new CommandError(
      40573,
      'Location40573',
      'The $changeStream stage is only supported on replica sets',
    );
  }
  // countDocuments ($match then one $group counting into a constant key) reads no field of the
  // documents it counts: they are matched without being decoded whole.
  const countOnly = rest.length === 1 && isCountGroup(rest[0]);
  const input = engine.query(coll, filter, { sort, limit, bytesOnly: countOnly }).map((h) => h.doc);
  const out = runPipeline(input, rest, {
    find: (other, f) => engine.query(engine.collection(db, other), f).map((h) => h.doc),
    vars: { NOW: engine.now() },
  });
  return cursorOf(engine, `${db}.${name}`, out.map(encode), cmd.cursor);
}

/** `{ $group: { _id: <constant>, n: { $sum: 1 } } }`, as the driver's countDocuments sends it. */
function isCountGroup(stage: Doc | undefined): boolean {
  const group = stage?.$group;
  if (!isPlainObject(group) || Object.keys(stage as Doc).length !== 1) return false;
  const id = group._id;
  if (typeof id === 'string' || isPlainObject(id) || Array.isArray(id)) return false;
  const accumulators = Object.entries(group).filter(([k]) => k !== '_id');
  return (
    accumulators.length === 1 &&
    accumulators.every(
      ([, v]) => isPlainObject(v) && Object.keys(v).length === 1 && toNumber(v.$sum) === 1,
    )
  );
}

export const READ_COMMANDS: Record<string, CommandHandler> = {
  find: (engine, db, cmd) => {
    const { docs } = findDocs(engine, db, cmd);
    const batchSize = optNumber(cmd.batchSize, 'batchSize');
    const rawLimit = optNumber(cmd.limit, 'limit');
    const singleBatch = cmd.singleBatch === true || (rawLimit !== undefined && rawLimit < 0);
    return cursorOf(engine, `${db}.${String(cmd.find)}`, docs, undefined, {
      batchSize,
      singleBatch,
    });
  },
  getMore: (engine, db, cmd) => {
    const raw = cmd.getMore;
    const id = bsonTypeOf(raw) === 'Long' ? (raw as Long).toBigInt() : BigInt(toNumber(raw));
    const cursor = engine.cursors.get(id);
    if (!cursor) throw new CommandError(43, 'CursorNotFound', `cursor id ${id} not found`);
    const expectedNs = `${db}.${String(cmd.collection)}`;
    if (cursor.ns !== expectedNs && !cursor.ns.startsWith(`${db}.$cmd`)) {
      throw new CommandError(
        13,
        'Unauthorized',
        `Requested getMore on namespace '${expectedNs}', but cursor belongs to a different namespace ${cursor.ns}`,
      );
    }
    const batch = CursorRegistry.take(
      cursor.docs,
      cursor.offset,
      optNumber(cmd.batchSize, 'batchSize'),
    );
    cursor.offset += batch.length;
    cursor.lastUsed = engine.now().getTime();
    let outId = Long.fromBigInt(id);
    if (cursor.offset >= cursor.docs.length) {
      engine.cursors.kill(id);
      outId = Long.ZERO;
    }
    return cursorReply('nextBatch', batch, outId, cursor.ns);
  },
  killCursors: (engine, _db, cmd) => {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const raw of (cmd.cursors as unknown[]) ?? []) {
      const id = bsonTypeOf(raw) === 'Long' ? (raw as Long).toBigInt() : BigInt(toNumber(raw));
      (engine.cursors.kill(id) ? killed : notFound).push(Long.fromBigInt(id));
    }
    return {
      cursorsKilled: killed,
      cursorsNotFound: notFound,
      cursorsAlive: [],
      cursorsUnknown: [],
      ok: new Double(1),
    };
  },
  count: (engine, db, cmd) => {
    const coll = engine.collection(db, collName(cmd, 'count'));
    const skip = optNumber(cmd.skip, 'skip');
    const limit = optNumber(cmd.limit, 'limit');
    const filter = filterOf(cmd.query);
    let n: number;
    if (Object.keys(filter).length === 0) {
      n = Math.max((coll?.docs.size ?? 0) - (skip ?? 0), 0);
      if (limit) n = Math.min(n, Math.abs(limit));
    } else {
      n = engine.query(coll, filter, {
        skip,
        limit: limit ? Math.abs(limit) : undefined,
        bytesOnly: true,
      }).length;
    }
    return { n: new Int32(n), ok: new Double(1) };
  },
  distinct: (engine, db, cmd) => {
    const coll = engine.collection(db, collName(cmd, 'distinct'));
    const key = String(cmd.key);
    const seen = new Map<string, unknown>();
    for (const h of engine.query(coll, filterOf(cmd.query))) {
      const v = getPath(h.doc, key);
      for (const x of Array.isArray(v) ? v : [v]) {
        if (x === undefined) continue;
        const k = canonicalKey(x);
        if (!seen.has(k)) seen.set(k, x);
      }
    }
    return { values: [...seen.values()], ok: new Double(1) };
  },
  aggregate: (engine, db, cmd) => aggregate(engine, db, cmd),
  explain: (engine, db, cmd) => {
    if (!isPlainObject(cmd.explain)) throw badValue('explain command requires a nested object');
    const inner = cmd.explain;
    if ('aggregate' in inner) return aggregate(engine, db, { ...inner, explain: true });
    return explainFind(engine, db, inner, cmd.verbosity);
  },
};
