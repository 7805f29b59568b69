import { deserialize, serialize } from 'bson';
import type { JournalOp } from '../../../server/database/embedded/storage/types';

/**
 * A minimal stand-in for the engine's in-memory state, applying journal ops the way the core
 * does (idempotent set-state), so storage can be tested on its own.
 */
export class StateModel {
  readonly collections = new Map<string, Map<string, Buffer>>();

  apply(op: JournalOp): void {
    switch (op.op) {
      case 'createCollection':
        if (!this.collections.has(key(op.db, op.coll)))
          this.collections.set(key(op.db, op.coll), new Map());
        break;
      case 'dropCollection':
        this.collections.delete(key(op.db, op.coll));
        break;
      case 'dropDatabase':
        for (const name of [...this.collections.keys()])
          if (name.startsWith(`${op.db}.`)) this.collections.delete(name);
        break;
      case 'renameCollection': {
        const from = this.collections.get(key(op.db, op.from));
        if (from === undefined) break;
        this.collections.delete(key(op.db, op.from));
        this.collections.set(key(op.toDb, op.to), from);
        break;
      }
      case 'createIndex':
      case 'dropIndex':
        break;
      case 'put':
        this.coll(op.db, op.coll).set(idKey(op.doc), op.doc);
        break;
      case 'delete':
        this.collections.get(key(op.db, op.coll))?.delete(op.id.toString('hex'));
        break;
    }
  }

  /** Applies ops to memory and returns them, like the core does before committing. */
  write(ops: JournalOp[]): JournalOp[] {
    for (const op of ops) this.apply(op);
    return ops;
  }

  *dump(): Iterable<JournalOp> {
    for (const [name, docs] of this.collections) {
      const [db, coll] = split(name);
      yield { op: 'createCollection', db, coll, options: Buffer.from(serialize({})) };
      for (const doc of docs.values()) yield { op: 'put', db, coll, doc };
    }
  }

  /** A plain comparable view: collection → id → document. */
  snapshot(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [name, docs] of [...this.collections].sort(([a], [b]) => a.localeCompare(b))) {
      const view: Record<string, unknown> = {};
      for (const [id, doc] of [...docs].sort(([a], [b]) => a.localeCompare(b)))
        view[id] = deserialize(doc);
      out[name] = view;
    }
    return out;
  }

  private coll(db: string, coll: string): Map<string, Buffer> {
    let docs = this.collections.get(key(db, coll));
    if (docs === undefined) {
      docs = new Map();
      this.collections.set(key(db, coll), docs);
    }
    return docs;
  }
}

const key = (db: string, coll: string): string => `${db}.${coll}`;
const split = (name: string): [string, string] => {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
};

function idKey(doc: Buffer): string {
  const { _id } = deserialize(doc);
  return Buffer.from(serialize({ _id })).toString('hex');
}

export function put(coll: string, doc: Record<string, unknown>, db = 'app'): JournalOp {
  return { op: 'put', db, coll, doc: Buffer.from(serialize(doc)) };
}

export function del(coll: string, _id: unknown, db = 'app'): JournalOp {
  return { op: 'delete', db, coll, id: Buffer.from(serialize({ _id })) };
}
