/**
 * Chooses how to find a query's candidate documents: the _id map, a secondary index range, or a
 * collection scan. Candidates are always re-checked against the full filter, so index bounds only
 * need to be a superset of the answer.
 */
import { Doc, bsonTypeOf, canonicalKey, isPlainObject, typeRank } from '../bson/values';
import { encodeValue } from './keystring';
import { parseSortSpec } from '../query/sort';
import { Index, entryId } from './index';
import { invert, rankChar, successor } from './keystring';

interface Bound {
  v: unknown;
  incl: boolean;
}

interface FieldPred {
  eq?: unknown[];
  lo?: { v: unknown; incl: boolean };
  hi?: { v: unknown; incl: boolean };
}

/** A half-open interval [lo, hi) of index entry strings (hi null: to the end). */
export interface Scan {
  lo: string;
  hi: string | null;
}

export type Plan =
  | { kind: 'id'; keys: string[] }
  | { kind: 'ixscan'; index: Index; scans: Scan[]; sorted: boolean; reverse: boolean }
  | { kind: 'collscan' };

const MAX_SCANS = 200;

function simpleValue(v: unknown): boolean {
  if (v === null || v === undefined || Array.isArray(v) || v instanceof RegExp) return false;
  const t = bsonTypeOf(v);
  if (t === 'BSONRegExp' || t === 'MinKey' || t === 'MaxKey') return false;
  if (isPlainObject(v)) return !Object.keys(v).some((k) => k.startsWith('$'));
  return true;
}

/** Per-field conditions usable for bounds, from the filter's top level and top-level $and. */
function collect(filter: Doc, out: Map<string, FieldPred>): void {
  for (const [k, cond] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(cond)) {
      for (const c of cond) if (isPlainObject(c)) collect(c, out);
      continue;
    }
    if (k.startsWith('$')) continue;
    const p = out.get(k) ?? {};
    if (isPlainObject(cond) && Object.keys(cond).some((x) => x.startsWith('$'))) {
      for (const [op, v] of Object.entries(cond)) {
        if (op === '$eq' && (simpleValue(v) || v === null)) p.eq = [v];
        else if (op === '$in' && Array.isArray(v) && v.length > 0 && v.every(simpleValue))
          p.eq ??= v;
        else if ((op === '$gt' || op === '$gte') && simpleValue(v))
          p.lo = { v, incl: op === '$gte' };
        else if ((op === '$lt' || op === '$lte') && simpleValue(v))
          p.hi = { v, incl: op === '$lte' };
      }
    } else if (simpleValue(cond) || cond === null) {
      // { f: null } matches null and missing, and both are indexed under null (tuplesOf): a
      // point scan on null holds every match. (A thread list is { parent: null }.)
      p.eq = [cond];
    }
    out.set(k, p);
  }
}

export function planQuery(indexes: Iterable<Index>, filter: Doc, sort?: unknown): Plan {
  const preds = new Map<string, FieldPred>();
  collect(filter, preds);
  const idPred = preds.get('_id');
  if (idPred?.eq) return { kind: 'id', keys: idPred.eq.map(canonicalKey) };

  const sortKeys = parseSortSpec(sort);
  let best:
    { index: Index; score: number; scans: Scan[]; sorted: boolean; reverse: boolean } | undefined;
  for (const index of indexes) {
    if (index.partial) continue;
    const candidate = boundsFor(index, preds, sortKeys);
    if (!candidate) continue;
    if (
      !best ||
      candidate.score > best.score ||
      (candidate.score === best.score && index.fields.length < best.index.fields.length)
    ) {
      best = { index, ...candidate };
    }
  }
  if (!best) return { kind: 'collscan' };
  return {
    kind: 'ixscan',
    index: best.index,
    scans: best.scans,
    sorted: best.sorted,
    reverse: best.reverse,
  };
}

function boundsFor(
  index: Index,
  preds: Map<string, FieldPred>,
  sortKeys: Array<[string, number]>,
): { score: number; scans: Scan[]; sorted: boolean; reverse: boolean } | undefined {
  let prefixes: unknown[][] = [[]];
  let score = 0;
  let i = 0;
  for (; i < index.fields.length; i++) {
    const p = preds.get(index.fields[i] as string);
    if (!p?.eq) break;
    // A sparse index leaves out documents without the fields, which { f: null } matches.
    if (index.sparse && p.eq.includes(null)) break;
    const next: unknown[][] = [];
    for (const pre of prefixes) for (const v of p.eq) next.push([...pre, v]);
    // The cap is for products of several lists; one long \$in on the first field stays one
    // point scan per value, as mongod does (batched lookups ask for hundreds of ids at once).
    if (next.length > MAX_SCANS && i > 0) break;
    prefixes = next;
    score += 4;
  }
  let range: FieldPred | undefined;
  if (i < index.fields.length) {
    const p = preds.get(index.fields[i] as string);
    if (p && (p.lo || p.hi)) {
      range = p;
      score += 2;
    }
  }
  // An index can also serve a sort (no filter bounds) when it holds every document.
  const sortServed = servesSort(index, i, sortKeys, prefixes.length);
  if (score === 0 && !(sortServed && !index.sparse)) return undefined;
  if (index.unique && i === index.fields.length) score += 3;
  if (sortServed) score += 1;

  const scans = prefixes.map((pre): Scan => {
    const prefix = pre.map((v, j) => index.encodePart(j, v)).join('');
    if (!range) return { lo: prefix, hi: successor(prefix) };
    const lo: Bound | undefined = range.lo;
    let hi: Bound | undefined = range.hi;
    // On a multikey index the two sides may be met by different elements: keep one side only.
    if (index.multikey && lo && hi) hi = undefined;
    return rangeScan(prefix, index.dirs[i] ?? 1, lo, hi);
  });
  return { score, scans, sorted: sortServed, reverse: sortServed && reversed(index, i, sortKeys) };
}

function servesSort(
  index: Index,
  eqCount: number,
  sortKeys: Array<[string, number]>,
  scans: number,
): boolean {
  if (sortKeys.length === 0 || index.multikey || scans !== 1) return false;
  if (eqCount + sortKeys.length > index.fields.length) return false;
  let sign = 0;
  for (let j = 0; j < sortKeys.length; j++) {
    const [field, dir] = sortKeys[j] as [string, number];
    if (index.fields[eqCount + j] !== field) return false;
    const s = dir * (index.dirs[eqCount + j] as number);
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

function reversed(index: Index, eqCount: number, sortKeys: Array<[string, number]>): boolean {
  const [, dir] = sortKeys[0] as [string, number];
  return dir * (index.dirs[eqCount] as number) < 0;
}

/**
 * The entry interval for `lo <= value <= hi` on one field after an encoded prefix. A missing side
 * stays within the other side's type (`$gt: 5` matches numbers only), as mongod's bounds do.
 */
export function rangeScan(
  prefix: string,
  dir: number,
  lo: Bound | undefined,
  hi: Bound | undefined,
): Scan {
  const rank = typeRank((lo ?? hi)?.v);
  const enc = (b: Bound | undefined): { s: string; incl: boolean } => {
    if (!b) return { s: rankChar(rank), incl: true };
    // Decimal128 keys are only approximately ordered: keep their bounds inclusive.
    const approx = bsonTypeOf(b.v) === 'Decimal128';
    return { s: encodeValue(b.v), incl: b.incl || approx };
  };
  let first = enc(lo);
  let last = enc(hi);
  if (dir < 0) {
    first = { s: invert(first.s), incl: first.incl };
    last = { s: invert(last.s), incl: last.incl };
    [first, last] = [last, first];
  }
  const from = first.incl ? prefix + first.s : successor(prefix + first.s);
  const to = last.incl ? successor(prefix + last.s) : prefix + last.s;
  return { lo: from ?? prefix, hi: to };
}

/** Ids of entries within the plan's scans, in index order, de-duplicated. */
export function* scanIds(plan: Extract<Plan, { kind: 'ixscan' }>): Generator<string> {
  const { index } = plan;
  const seen = index.multikey || plan.scans.length > 1 ? new Set<string>() : undefined;
  const scans = plan.reverse ? plan.scans.slice().reverse() : plan.scans;
  for (const s of scans) {
    for (const e of index.range(s.lo, s.hi, plan.reverse)) {
      const id = entryId(e);
      if (seen) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      yield id;
    }
  }
}
