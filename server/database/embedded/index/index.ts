/** A secondary index: sorted (key tuple, document id) entries in BSON order. */
import {
  Doc,
  canonicalKey,
  compareValues,
  isPlainObject,
  toNumber,
  typeRank,
} from '../bson/values';
import { Matcher, compileFilter } from '../query/match';
import { SortedList } from './sorted-list';

export interface Entry {
  k: unknown[];
  id: string;
}

/** Stands for "every value of this type rank" at either end (range bounds stay within a type). */
export class Bracket {
  constructor(
    readonly rank: number,
    readonly end: boolean,
  ) {}
}

export function compareKeyPart(a: unknown, b: unknown): number {
  if (b instanceof Bracket) {
    const r = typeRank(a);
    if (r !== b.rank) return r < b.rank ? -1 : 1;
    return b.end ? -1 : 1;
  }
  if (a instanceof Bracket) return -compareKeyPart(b, a);
  return compareValues(a, b);
}

export interface IndexSpec extends Doc {
  key: Doc;
  name: string;
}

export class Index {
  readonly fields: string[];
  readonly dirs: number[];
  readonly unique: boolean;
  readonly sparse: boolean;
  readonly partial: Matcher | undefined;
  readonly expireAfterSeconds: number | undefined;
  multikey = false;
  readonly entries: SortedList<Entry>;

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
    this.entries = new SortedList<Entry>((a, b) => this.compareEntries(a, b));
  }

  get name(): string {
    return this.spec.name;
  }

  /** Compares key tuples (prefixes allowed) in index order. */
  compareKeys(a: unknown[], b: unknown[]): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = compareKeyPart(a[i], b[i]);
      if (c !== 0) return c * (this.dirs[i] as number);
    }
    return 0;
  }

  private compareEntries(a: Entry, b: Entry): number {
    const c = this.compareKeys(a.k, b.k);
    if (c !== 0) return c;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  }

  /** The key tuples of a document (several when a field is an array), or none if not indexed. */
  keysOf(doc: Doc): unknown[][] {
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
    if (tuples.length > 1) {
      const seen = new Set<string>();
      tuples = tuples.filter((t) => {
        const k = canonicalKey(t);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    }
    return tuples;
  }

  add(id: string, keys: unknown[][]): void {
    for (const k of keys) this.entries.insert({ k, id });
  }

  remove(id: string, keys: unknown[][]): void {
    for (const k of keys) this.entries.remove({ k, id });
  }

  /** Ids of other documents holding one of these keys (unique violation), if any. */
  conflict(id: string, keys: unknown[][]): { key: unknown[] } | undefined {
    for (const k of keys) {
      for (const e of this.entries.range(
        (x) => this.compareKeys(x.k, k),
        (x) => this.compareKeys(x.k, k),
      )) {
        if (e.id !== id) return { key: k };
      }
    }
    return undefined;
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
