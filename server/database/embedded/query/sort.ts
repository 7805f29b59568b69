/** Sort specifications ({ a: 1, b: -1 }) with mongod's array rule (min element asc, max desc). */
import { getPath } from '../bson/paths';
import { Doc, compareValues, isPlainObject, toNumber } from '../bson/values';
import { badValue } from '../core/errors';

export function sortKey(doc: Doc, path: string, dir: number): unknown {
  const v = getPath(doc, path);
  if (!Array.isArray(v)) return v ?? null;
  if (v.length === 0) return undefined;
  let best = v[0];
  for (const e of v) if (compareValues(e, best) * dir < 0) best = e;
  return best;
}

export function parseSortSpec(spec: unknown): Array<[string, number]> {
  if (!isPlainObject(spec)) return [];
  return Object.entries(spec).map(([k, v]) => {
    if (isPlainObject(v)) throw badValue(`$meta sort (${k}) is not supported`);
    const dir = toNumber(v);
    if (dir !== 1 && dir !== -1)
      throw badValue(`$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
    return [k, dir];
  });
}

export function compareBySortSpec(a: Doc, b: Doc, spec: unknown): number {
  for (const [path, dir] of parseSortSpec(spec)) {
    const c = compareValues(sortKey(a, path, dir), sortKey(b, path, dir));
    if (c !== 0) return c * dir;
  }
  return 0;
}

/** Sorts documents, computing each key once. Stable, as mongod's ties keep input order. */
export function sortDocs(docs: Doc[], spec: unknown): Doc[] {
  const keys = parseSortSpec(spec);
  if (keys.length === 0) return docs;
  const rows = docs.map((d, i) => ({ d, i, k: keys.map(([p, dir]) => sortKey(d, p, dir)) }));
  rows.sort((x, y) => {
    for (let j = 0; j < keys.length; j++) {
      const c = compareValues(x.k[j], y.k[j]);
      if (c !== 0) return c * (keys[j] as [string, number])[1];
    }
    return x.i - y.i;
  });
  return rows.map((r) => r.d);
}
