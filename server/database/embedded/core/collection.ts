/** One collection: documents as exact BSON bytes keyed by _id, plus its secondary indexes. */
import { ObjectId } from 'bson';
import { Doc, canonicalKey, decode, encode, renderValue } from '../bson/values';
import { Index, IndexSpec } from '../index/index';
import { CommandError } from './errors';

export const ID_INDEX_NAME = '_id_';

export class Collection {
  readonly docs = new Map<string, Buffer>();
  readonly indexes = new Map<string, Index>();
  private idOrder: Index | undefined;

  constructor(
    readonly db: string,
    public name: string,
    public options: Doc,
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  indexSpecs(): Doc[] {
    return [
      { v: 2, key: { _id: 1 }, name: ID_INDEX_NAME },
      ...[...this.indexes.values()].map((i) => i.spec),
    ];
  }

  getDoc(key: string): Doc | undefined {
    const buf = this.docs.get(key);
    return buf ? decode(buf) : undefined;
  }

  duplicateKey(index: Index | undefined, doc: Doc, key?: string): CommandError {
    const fields = index ? index.fields : ['_id'];
    const keyPattern: Doc = index ? { ...index.spec.key } : { _id: 1 };
    const keyValue: Doc = {};
    const tuple = index && key !== undefined ? index.tupleFor(doc, key) : [doc._id];
    fields.forEach((f, i) => (keyValue[f] = tuple[i]));
    const rendered = fields.map((f) => `${f}: ${renderValue(keyValue[f])}`).join(', ');
    return new CommandError(
      11000,
      'DuplicateKey',
      `E11000 duplicate key error collection: ${this.ns} index: ${index ? index.name : ID_INDEX_NAME} dup key: { ${rendered} }`,
      { keyPattern, keyValue },
    );
  }

  /** Throws E11000 if `doc` would break a unique index (ignoring the document `id` itself). */
  private checkUnique(id: string, doc: Doc, keys: Map<Index, string[]>): void {
    for (const [index, ks] of keys) {
      if (!index.unique) continue;
      const hit = index.conflict(id, ks);
      if (hit !== undefined) throw this.duplicateKey(index, doc, hit);
    }
  }

  private keysFor(doc: Doc): Map<Index, string[]> {
    const out = new Map<Index, string[]>();
    for (const index of this.indexes.values()) out.set(index, index.keysOf(doc));
    return out;
  }

  /** Adds a new document (gives it an ObjectId _id first if it has none). Returns its bytes. */
  insert(doc: Doc, check = true): Buffer {
    if (Object.keys(doc)[0] !== '_id') {
      // mongod stores _id first, generating an ObjectId when the client sent none.
      const withId: Doc = { _id: '_id' in doc ? doc._id : new ObjectId(), ...doc };
      for (const k of Object.keys(doc)) delete doc[k];
      Object.assign(doc, withId);
    }
    if (Array.isArray(doc._id)) {
      throw new CommandError(2, 'BadValue', "can't use an array for _id");
    }
    const id = canonicalKey(doc._id);
    if (check && this.docs.has(id)) throw this.duplicateKey(undefined, doc);
    const keys = this.keysFor(doc);
    if (check) this.checkUnique(id, doc, keys);
    const buf = encode(doc);
    if (check && buf.length > 16 * 1024 * 1024) {
      throw new CommandError(10334, 'BSONObjectTooLarge', 'object to insert too large');
    }
    this.docs.set(id, buf);
    for (const [index, ks] of keys) index.add(id, ks);
    this.idOrder?.add(id, this.idOrder.keysOf(doc));
    return buf;
  }

  /** Replaces a stored document whose _id is unchanged. Returns the new bytes. */
  replace(oldDoc: Doc, newDoc: Doc, check = true): Buffer {
    const id = canonicalKey(oldDoc._id);
    const keys = this.keysFor(newDoc);
    if (check) this.checkUnique(id, newDoc, keys);
    const buf = encode(newDoc);
    if (check && buf.length > 16 * 1024 * 1024) {
      throw new CommandError(
        17419,
        'Location17419',
        'Resulting document after update is larger than 16777216',
      );
    }
    this.docs.set(id, buf);
    // Only indexes whose keys changed are touched: most updates (a reply count, a read marker, a
    // claim) change no indexed field, and a decision changes a few of a post's ten indexes.
    for (const [index, ks] of keys) {
      const before = index.keysOf(oldDoc);
      if (sameKeys(before, ks)) continue;
      index.remove(id, before);
      index.add(id, ks);
    }
    return buf;
  }

  remove(doc: Doc): void {
    const id = canonicalKey(doc._id);
    for (const index of this.indexes.values()) index.remove(id, index.keysOf(doc));
    this.idOrder?.remove(id, this.idOrder.keysOf(doc));
    this.docs.delete(id);
  }

  /** Insert-or-replace from a journal op (recovery): no uniqueness checks, state is trusted. */
  put(buf: Buffer): void {
    const doc = decode(buf);
    const id = canonicalKey(doc._id);
    const old = this.docs.get(id);
    if (old) {
      const oldDoc = decode(old);
      for (const index of this.indexes.values()) index.remove(id, index.keysOf(oldDoc));
    }
    this.docs.set(id, buf);
    for (const index of this.indexes.values()) index.add(id, index.keysOf(doc));
    if (!old) this.idOrder?.add(id, this.idOrder.keysOf(doc));
  }

  /**
   * _id in sorted order, for _id ranges and sorts. Built on first use and kept up to date after
   * that: equality lookups use the map, so collections never queried this way pay no memory.
   */
  ensureIdOrder(): Index {
    if (!this.idOrder) {
      const index = new Index({ key: { _id: 1 }, name: ID_INDEX_NAME, unique: true });
      for (const [id, buf] of this.docs) index.add(id, index.keysOf(decode(buf)));
      this.idOrder = index;
    }
    return this.idOrder;
  }

  /** Indexes a query may use (the _id order only once built). */
  queryIndexes(): Index[] {
    const out = [...this.indexes.values()];
    if (this.idOrder) out.push(this.idOrder);
    return out;
  }

  /** Builds an index over existing documents; E11000 if a unique index finds duplicates. */
  addIndex(spec: IndexSpec, check = true): void {
    const index = new Index(spec);
    for (const [id, buf] of this.docs) {
      const doc = decode(buf);
      const keys = index.keysOf(doc);
      if (check && index.unique) {
        const hit = index.conflict(id, keys);
        if (hit !== undefined) throw this.duplicateKey(index, doc, hit);
      }
      index.add(id, keys);
    }
    this.indexes.set(spec.name, index);
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}
