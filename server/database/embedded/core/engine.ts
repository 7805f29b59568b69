/**
 * The engine's in-memory state (databases, collections, indexes, cursors) and command dispatch.
 * A write changes memory synchronously, then waits for `durable.commit` before replying: the event
 * loop makes each command atomic, and nothing is acknowledged before it is on disk.
 */
import { Doc, canonicalKey, decode, encode, isPlainObject, toNumber } from '../bson/values';
import { IndexSpec } from '../index/index';
import { Plan, planQuery, scanIds } from '../index/planner';
import { fieldPick, pickFields } from '../bson/raw';
import { MatchContext, compileFilter, filterFields } from '../query/match';
import { sortDocs } from '../query/sort';
import { Durable, JournalOp } from '../storage/types';
import { Collection } from './collection';
import { COMMANDS } from './commands';
import { CommandError, notSupported } from './errors';
import { CursorRegistry } from './cursors';
import { runTtlPass } from './ttl';

export type Reply = Doc | Buffer;

export interface ConnectionInfo {
  connectionId: number;
}

export interface EngineStats {
  /** Queries answered from a secondary index range. */
  indexScans: number;
  /** Queries answered by looking documents up by _id. */
  idLookups: number;
  /** Queries that had to read every document of a collection. */
  collectionScans: number;
  /** Documents read to answer queries (mongod's scannedObjects): matched or not. */
  docsExamined: number;
  ttlDeleted: number;
}

/** mongod's `serverStatus.opcounters`: operations received, by kind (other commands: `command`). */
export interface OpCounters {
  insert: number;
  query: number;
  update: number;
  delete: number;
  getmore: number;
  command: number;
}

export interface QueryOptions {
  sort?: unknown;
  skip?: number;
  limit?: number;
  /**
   * The caller uses only each hit's stored bytes (`buf`), not `doc`: candidates are decoded
   * only as far as the filter and the sort read them (a page of posts with long bodies and
   * histories is matched on a few small fields). `doc` then holds just those fields.
   */
  bytesOnly?: boolean;
}

export interface Hit {
  /** The document, or with `bytesOnly` only the fields the filter and sort read. */
  doc: Doc;
  buf: Buffer;
  /** Array position matched (for `$` in updates and projections). */
  pos?: number;
}

export class Engine {
  readonly durable: Durable;
  readonly now: () => Date;
  readonly dbs = new Map<string, Map<string, Collection>>();
  readonly cursors = new CursorRegistry();
  readonly counters: EngineStats = {
    indexScans: 0,
    idLookups: 0,
    collectionScans: 0,
    docsExamined: 0,
    ttlDeleted: 0,
  };
  readonly opcounters: OpCounters = {
    insert: 0,
    query: 0,
    update: 0,
    delete: 0,
    getmore: 0,
    command: 0,
  };
  private ttlTimer: NodeJS.Timeout | undefined;
  private ttlRunning = false;

  constructor(opts: { durable: Durable; now?: () => Date }) {
    this.durable = opts.durable;
    this.now = opts.now ?? (() => new Date());
  }

  stats(): EngineStats & { openCursors: number } {
    return { ...this.counters, openCursors: this.cursors.size };
  }

  // ---- catalog -------------------------------------------------------------------------------

  collection(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  /** The collection, created (with its journal op) if missing. */
  ensureCollection(db: string, name: string, ops: JournalOp[], options: Doc = {}): Collection {
    const existing = this.collection(db, name);
    if (existing) return existing;
    validateCollectionName(db, name);
    const coll = this.createCollectionInMemory(db, name, options);
    ops.push({ op: 'createCollection', db, coll: name, options: encode(options) });
    return coll;
  }

  private createCollectionInMemory(db: string, name: string, options: Doc): Collection {
    let colls = this.dbs.get(db);
    if (!colls) {
      colls = new Map();
      this.dbs.set(db, colls);
    }
    const coll = new Collection(db, name, options);
    colls.set(name, coll);
    return coll;
  }

  dropCollectionInMemory(db: string, name: string): boolean {
    const colls = this.dbs.get(db);
    if (!colls?.delete(name)) return false;
    if (colls.size === 0) this.dbs.delete(db);
    return true;
  }

  renameInMemory(db: string, from: string, toDb: string, to: string): void {
    const coll = this.collection(db, from);
    if (!coll) return;
    this.dropCollectionInMemory(db, from);
    this.dropCollectionInMemory(toDb, to);
    const target = this.createCollectionInMemory(toDb, to, coll.options);
    for (const [k, v] of coll.docs) target.docs.set(k, v);
    for (const [k, v] of coll.indexes) target.indexes.set(k, v);
  }

  // ---- durability ----------------------------------------------------------------------------

  /** Hands ops to storage; must be called in the same tick as the memory change (journal order). */
  commit(ops: JournalOp[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return this.durable.commit(ops);
  }

  /** Replays one journal op into memory (recovery). Never calls durable. */
  apply(op: JournalOp): void {
    switch (op.op) {
      case 'createCollection':
        if (!this.collection(op.db, op.coll)) {
          this.createCollectionInMemory(op.db, op.coll, decode(op.options));
        }
        return;
      case 'dropCollection':
        this.dropCollectionInMemory(op.db, op.coll);
        return;
      case 'dropDatabase':
        this.dbs.delete(op.db);
        return;
      case 'renameCollection':
        this.renameInMemory(op.db, op.from, op.toDb, op.to);
        return;
      case 'createIndex': {
        const coll =
          this.collection(op.db, op.coll) ?? this.createCollectionInMemory(op.db, op.coll, {});
        const spec = decode(op.spec) as IndexSpec;
        coll.indexes.delete(spec.name);
        coll.addIndex(spec, false);
        return;
      }
      case 'dropIndex':
        this.collection(op.db, op.coll)?.indexes.delete(op.name);
        return;
      case 'put': {
        const coll =
          this.collection(op.db, op.coll) ?? this.createCollectionInMemory(op.db, op.coll, {});
        coll.put(op.doc);
        return;
      }
      case 'delete': {
        const coll = this.collection(op.db, op.coll);
        if (!coll) return;
        const key = canonicalKey(decode(op.id)._id);
        const old = coll.getDoc(key);
        if (old) coll.remove(old);
        return;
      }
    }
  }

  /** Ops recreating the whole current state (for snapshots). */
  *dump(): Iterable<JournalOp> {
    for (const [db, colls] of [...this.dbs]) {
      for (const [name, coll] of [...colls]) {
        yield { op: 'createCollection', db, coll: name, options: encode(coll.options) };
        for (const index of coll.indexes.values()) {
          yield { op: 'createIndex', db, coll: name, spec: encode(index.spec) };
        }
        for (const buf of coll.docs.values()) yield { op: 'put', db, coll: name, doc: buf };
      }
    }
  }

  // ---- queries -------------------------------------------------------------------------------

  plan(coll: Collection, filter: Doc, sort?: unknown): Plan {
    if (wantsIdOrder(filter, sort)) coll.ensureIdOrder();
    return planQuery(coll.queryIndexes(), filter, sort);
  }

  /** Documents matching `filter`, using an index when one applies. */
  query(coll: Collection | undefined, filter: Doc | undefined, opts: QueryOptions = {}): Hit[] {
    if (!coll) return [];
    const f = filter ?? {};
    if (isPlainObject(opts.sort) && '$natural' in opts.sort) {
      // Natural order is insertion order; only the direction matters.
      const reverse = toNumber(opts.sort.$natural) < 0;
      const all = this.query(coll, f, {
        ...opts,
        sort: undefined,
        skip: reverse ? 0 : opts.skip,
        limit: reverse ? undefined : opts.limit,
      });
      if (!reverse) return all;
      const skip = opts.skip ?? 0;
      return all.reverse().slice(skip, opts.limit ? skip + opts.limit : undefined);
    }
    const matcher = compileFilter(f);
    const plan = this.plan(coll, f, opts.sort);
    const hasSort =
      opts.sort !== undefined && isPlainObject(opts.sort) && Object.keys(opts.sort).length > 0;
    const read = opts.bytesOnly ? fieldsRead(f, hasSort ? opts.sort : undefined) : null;
    const pick = read && read.size > 0 ? fieldPick(read, true) : null;
    const decodeFor = read
      ? (buf: Buffer): Doc => (pick ? decode(pickFields(buf, pick)) : {})
      : decode;
    const ordered = !hasSort || (plan.kind === 'ixscan' && plan.sorted);
    const stopAt = ordered && opts.limit ? (opts.skip ?? 0) + opts.limit : Infinity;
    const hits: Hit[] = [];
    const consider = (buf: Buffer | undefined): boolean => {
      if (!buf) return true;
      this.counters.docsExamined++;
      const doc = decodeFor(buf);
      const ctx: MatchContext = {};
      if (matcher(doc, ctx)) hits.push({ doc, buf, pos: ctx.pos });
      return hits.length < stopAt;
    };
    if (plan.kind === 'id') {
      this.counters.idLookups++;
      const seen = new Set<string>();
      for (const key of plan.keys) {
        if (seen.has(key)) continue;
        seen.add(key);
        if (!consider(coll.docs.get(key))) break;
      }
    } else if (plan.kind === 'ixscan') {
      this.counters.indexScans++;
      for (const id of scanIds(plan)) if (!consider(coll.docs.get(id))) break;
    } else {
      this.counters.collectionScans++;
      for (const buf of coll.docs.values()) if (!consider(buf)) break;
    }
    let out = hits;
    if (!ordered) {
      const sorted = sortDocs(
        hits.map((h) => h.doc),
        opts.sort,
      );
      const byDoc = new Map(hits.map((h) => [h.doc, h]));
      out = sorted.map((d) => byDoc.get(d) as Hit);
    }
    const skip = opts.skip ?? 0;
    if (skip || opts.limit) out = out.slice(skip, opts.limit ? skip + opts.limit : undefined);
    return out;
  }

  // ---- commands ------------------------------------------------------------------------------

  async runCommand(
    db: string,
    cmd: Doc,
    conn: ConnectionInfo = { connectionId: 0 },
  ): Promise<Reply> {
    const name = Object.keys(cmd)[0];
    this.countOp(name, cmd);
    try {
      if (name === undefined) throw new CommandError(59, 'CommandNotFound', 'no such command: ');
      if (
        cmd.txnNumber !== undefined ||
        cmd.startTransaction !== undefined ||
        cmd.autocommit !== undefined
      ) {
        throw new CommandError(
          20,
          'IllegalOperation',
          'Transaction numbers are only allowed on a replica set member or mongos',
        );
      }
      rejectCollation(cmd);
      const handler = Object.prototype.hasOwnProperty.call(COMMANDS, name)
        ? COMMANDS[name]
        : undefined;
      if (!handler) throw new CommandError(59, 'CommandNotFound', `no such command: '${name}'`);
      return await handler(this, db, cmd, conn);
    } catch (err) {
      if (err instanceof CommandError) return err.toReply();
      throw err;
    }
  }

  /** As mongod counts them: documents inserted, statements of updates and deletes. */
  private countOp(name: string | undefined, cmd: Doc): void {
    const n = this.opcounters;
    const statements = (field: string): number =>
      Array.isArray(cmd[field]) ? (cmd[field] as unknown[]).length : 0;
    if (name === 'insert') n.insert += statements('documents');
    else if (name === 'update') n.update += statements('updates');
    else if (name === 'delete') n.delete += statements('deletes');
    else if (name === 'find') n.query += 1;
    else if (name === 'getMore') n.getmore += 1;
    else n.command += 1;
  }

  // ---- TTL -----------------------------------------------------------------------------------

  startTtlMonitor(intervalMs = 60_000): void {
    this.stopTtl();
    this.ttlTimer = setInterval(() => void this.ttlPass(), intervalMs);
    this.ttlTimer.unref();
  }

  /** One TTL pass (also reaps idle cursors); exposed for tests. */
  async ttlPass(): Promise<number> {
    if (this.ttlRunning) return 0;
    this.ttlRunning = true;
    try {
      const now = this.now();
      this.cursors.reap(now.getTime());
      const { ops, deleted } = runTtlPass(this, now);
      this.counters.ttlDeleted += deleted;
      await this.commit(ops);
      return deleted;
    } finally {
      this.ttlRunning = false;
    }
  }

  private stopTtl(): void {
    if (this.ttlTimer) clearInterval(this.ttlTimer);
    this.ttlTimer = undefined;
  }

  stop(): void {
    this.stopTtl();
  }
}

function validateCollectionName(db: string, name: string): void {
  if (
    !name ||
    name.includes('$') ||
    name.includes('\0') ||
    name.startsWith('.') ||
    name.startsWith('system.')
  ) {
    throw new CommandError(73, 'InvalidNamespace', `Invalid collection name: ${db}.${name}`);
  }
  if (!db || /[/\\. "$\0]/.test(db)) {
    throw new CommandError(73, 'InvalidNamespace', `Invalid database name: '${db}'`);
  }
}

/** Only binary ("simple") comparison is implemented: refuse other collations rather than ignore them. */
function rejectCollation(cmd: Doc): void {
  const specs: unknown[] = [cmd.collation];
  for (const list of [cmd.updates, cmd.deletes, cmd.indexes]) {
    if (Array.isArray(list)) for (const s of list) if (isPlainObject(s)) specs.push(s.collation);
  }
  for (const c of specs) {
    if (c === undefined || c === null) continue;
    if (isPlainObject(c) && c.locale === 'simple') continue;
    throw notSupported('A collation other than { locale: "simple" }');
  }
}

/** An _id range or a sort led by _id: worth the sorted _id index. */
function wantsIdOrder(filter: Doc, sort: unknown): boolean {
  if (isPlainObject(sort) && Object.keys(sort)[0] === '_id') return true;
  const id = filter._id;
  return isPlainObject(id) && ['$gt', '$gte', '$lt', '$lte'].some((op) => op in id);
}

/** The top-level fields a filter and a sort read; null when the filter may read anything. */
function fieldsRead(filter: Doc, sort: unknown): Set<string> | null {
  const fields = filterFields(filter);
  if (!fields) return null;
  if (isPlainObject(sort)) for (const k of Object.keys(sort)) fields.add(k.split('.')[0] as string);
  return fields;
}
