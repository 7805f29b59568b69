/**
 * The contract between the engine's in-memory core (catalog, documents, indexes, commands) and
 * its durable storage (journal, group commit, snapshots, recovery, lock file).
 *
 * The core applies a write to memory synchronously (so per-document atomicity falls out of the
 * single-threaded event loop), hands the resulting ops to `Durable.commit`, and replies to the
 * client only once that promise resolves (the ops are on disk).
 *
 * Every op is idempotent "set state" (a whole document by _id, a whole collection), so replaying a
 * journal over a fuzzy snapshot taken after the journal was switched reproduces the exact state.
 */

/** A document's exact BSON bytes (types round-trip: Int32 stays Int32, etc.). */
export type BsonBytes = Buffer;

export type JournalOp =
  | { op: 'createCollection'; db: string; coll: string; options: BsonBytes }
  | { op: 'dropCollection'; db: string; coll: string }
  | { op: 'dropDatabase'; db: string }
  | { op: 'renameCollection'; db: string; from: string; toDb: string; to: string }
  /** spec: the index document as listIndexes shows it (key, name, unique, sparse, ...). */
  | { op: 'createIndex'; db: string; coll: string; spec: BsonBytes }
  | { op: 'dropIndex'; db: string; coll: string; name: string }
  /** Insert or replace the whole document with this _id. */
  | { op: 'put'; db: string; coll: string; doc: BsonBytes }
  /** id: the BSON bytes of `{ _id: <value> }`. */
  | { op: 'delete'; db: string; coll: string; id: BsonBytes };

export interface Durable {
  /**
   * Makes `ops` durable as one record: after a crash either all of them are replayed or none.
   * Resolves once the record is fsynced; concurrent commits share one fsync (group commit).
   */
  commit(ops: JournalOp[]): Promise<void>;
  /** Writes a snapshot of `state` and drops the journal it replaces, without blocking readers. */
  compact(state: () => Iterable<JournalOp>): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  dir: string;
  /** Called for every recovered op, in order, before `open` resolves. */
  apply: (op: JournalOp) => void;
  /** fsync on commit (always true outside a few engine unit tests). */
  fsync?: boolean;
}
