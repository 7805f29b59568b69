/** A secondary index: sorted key strings (key + document id) in BSON order. */
import { Doc, canonicalKey, isPlainObject, toNumber } from '../bson/values';
import { Matcher, compileFilter } from '../query/match';
import { encodeValue, invert, successor } from './keystring';
import { SortedList } from './sorted-list';

export interface IndexSpec extends Doc {
  key: Doc;
  name: string;
}

const cmpStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Entry layout: key string, then the document id, then the id's length in two code units. */
function entryOf(key: string, id: string): string {
  // join() yields one flat string; `+` would keep a rope of three parts per entry.
  return [key, id, String.fromCharCode((id.length >>> 16) & 0xffff, id.length & 0xffff)].join('');
}

export function entryId(entry: string): string {
  const n = entry.length;
  const len = (entry.charCodeAt(n - 2) << 16) | entry.charCodeAt(n - 1);
  return entry.slice(n - 2 - len, n - 2);
}

export class Index {
  readonly fields: string[];
  readonly dirs: number[];
  readonly unique: boolean;
  readonly sparse: boolean;
  readonly partial: Matcher | undefined;
  readonly expireAfterSeconds: number | undefined;
  multikey = false;
  readonly entries = new SortedList<string>(cmpStrings);

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    this.dirs = Object.values(spec.key).map((d) =>
      typeof d === 'string' ? 1 : toNumber(d) < 0 ? -1 : 1,
    );
    this.unique = spec.unique === true;
    this.sparse = spec.sparse === true;
    this.partial = isPlainObject(spec.partialFilterExpression)
      ? compileFilter(spec.partialFilterExpression)
      : undefined;
    this.expireAfterSeconds =
      spec.expireAfterSeconds !== undefined ? toNumber(spec.expireAfterSeconds) : undefined;
  }

  get name(): string {
    return this.spec.name;
  }

  /** Encodes one key part in this field's direction. */
  encodePart(i: number, v: unknown): string {
    const s = encodeValue(v);
    return (this.dirs[i] ?? 1) < 0 ? invert(s) : s;
  }

  /** The value tuples a document is indexed under (several when a field is an array). */
  tuplesOf(doc: Doc): unknown[][] {
    if (this.partial && !this.partial(doc)) return [];
    const perField = this.fields.map((f) => fieldKeys(doc, f.split('.')));
    if (this.sparse && perField.every((vals) => vals.length === 1 && vals[0] === undefined)) {
      return [];
    }
    let tuples: unknown[][] = [[]];
    for (const vals of perField) {
      if (vals.length > 1) this.multikey = true;
      const next: unknown[][] = [];
      for (const t of tuples) for (const v of vals) next.push([...t, v === undefined ? null : v]);
      tuples = next;
    }
    return tuples;
  }

  /** Encoded keys of a document, de-duplicated. */
  keysOf(doc: Doc): string[] {
    const keys = this.tuplesOf(doc).map((t) => t.map((v, i) => this.encodePart(i, v)).join(''));
    return keys.length > 1 ? [...new Set(keys)] : keys;
  }

  add(id: string, keys: string[]): void {
    for (const k of keys) this.entries.insert(entryOf(k, id));
  }

  remove(id: string, keys: string[]): void {
    for (const k of keys) this.entries.remove(entryOf(k, id));
  }

  /** Entries in [lo, hi) (hi null: to the end), ascending or descending. */
  range(lo: string, hi: string | null, reverse = false): Generator<string> {
    return this.entries.range(
      (x) => (x < lo ? -1 : 0),
      hi === null ? null : (x) => (x >= hi ? 1 : 0),
      reverse,
    );
  }

  /** Another document holding one of these keys (a unique violation), if any. */
  conflict(id: string, keys: string[]): string | undefined {
    for (const k of keys) {
      for (const e of this.range(k, successor(k))) {
        if (entryId(e) !== id) return k;
      }
    }
    return undefined;
  }

  /** The value tuple of `doc` behind an encoded key (for E11000 messages). */
  tupleFor(doc: Doc, key: string): unknown[] {
    const tuples = this.tuplesOf(doc);
    return (
      tuples.find((t) => t.map((v, i) => this.encodePart(i, v)).join('') === key) ?? tuples[0] ?? []
    );
  }
}

/** Values a document holds at a path, expanding arrays like mongod's multikey indexes. */
function fieldKeys(doc: unknown, parts: string[]): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown, i: number) => {
    if (i === parts.length) {
      if (Array.isArray(v)) {
        if (v.length === 0) out.push(v);
        else for (const e of v) out.push(e);
      } else out.push(v);
      return;
    }
    if (Array.isArray(v)) {
      const p = parts[i] as string;
      if (/^\d+$/.test(p)) walk(v[Number(p)], i + 1);
      else for (const e of v) walk(e, i);
      return;
    }
    if (isPlainObject(v)) walk(v[parts[i] as string], i + 1);
    else out.push(undefined);
  };
  walk(doc, 0);
  if (out.length > 1) {
    const seen = new Set<string>();
    return out.filter((v) => {
      const k = canonicalKey(v);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  return out.length ? out : [undefined];
}
