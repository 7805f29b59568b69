/** Query filters ({ a: 1, b: { $gt: 2 } }) compiled to predicates over decoded documents. */
import { BSONRegExp, type ObjectId } from 'bson';
import { Candidate, pathCandidates } from '../bson/paths';
import {
  Doc,
  TYPE_NUMBERS,
  bsonTypeName,
  bsonTypeOf,
  compareValues,
  isNumber,
  isPlainObject,
  isTruthy,
  toNumber,
  typeRank,
  valuesEqual,
} from '../bson/values';
import { badValue, notSupported } from '../core/errors';
import { evaluate } from './expr';

export interface MatchContext {
  /** Array position of the matched element, for the positional `$` update operator. */
  pos?: number;
}

export type Matcher = (doc: Doc, ctx?: MatchContext) => boolean;
type ValuePred = (v: unknown) => boolean;

const UNSUPPORTED = new Set([
  '$where',
  '$text',
  '$near',
  '$nearSphere',
  '$geoWithin',
  '$geoIntersects',
  '$within',
  '$function',
  '$accumulator',
]);

export function compileFilter(filter: Doc | undefined | null): Matcher {
  if (!filter) return () => true;
  const parts: Matcher[] = [];
  for (const [key, cond] of Object.entries(filter)) {
    if (UNSUPPORTED.has(key)) throw notSupported(key);
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (!Array.isArray(cond) || cond.length === 0) {
        throw badValue(`${key} argument must be a non-empty array`);
      }
      const subs = cond.map((c) => compileFilter(c as Doc));
      if (key === '$and') parts.push((d, ctx) => subs.every((m) => m(d, ctx)));
      else if (key === '$or') parts.push((d, ctx) => subs.some((m) => m(d, ctx)));
      else parts.push((d) => !subs.some((m) => m(d)));
    } else if (key === '$expr') {
      parts.push((d) => isTruthy(evaluate(cond, d)));
    } else if (key === '$comment') {
      continue;
    } else if (key.startsWith('$')) {
      throw badValue(`unknown top level operator: ${key}`);
    } else {
      parts.push(compileField(key, cond));
    }
  }
  if (parts.length === 1) return parts[0] as Matcher;
  return (d, ctx) => parts.every((m) => m(d, ctx));
}

function isOperatorDoc(cond: unknown): cond is Doc {
  if (!isPlainObject(cond)) return false;
  const keys = Object.keys(cond);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

function compileField(path: string, cond: unknown): Matcher {
  const parts = path.split('.');
  if (isOperatorDoc(cond)) {
    const preds: Array<(cands: Candidate[], ctx?: MatchContext) => boolean> = [];
    const ops = cond;
    for (const [op, arg] of Object.entries(ops)) {
      if (op === '$options') continue;
      preds.push(compileOperator(op, arg, ops));
    }
    return (doc, ctx) => {
      const cands = pathCandidates(doc, parts);
      return preds.every((p) => p(cands, ctx));
    };
  }
  const pred = anyElement(equalityPred(cond));
  return (doc, ctx) => pred(pathCandidates(doc, parts), ctx);
}

/** True if some candidate (or, for arrays, some element of it) satisfies `p`. */
function anyElement(p: ValuePred): (cands: Candidate[], ctx?: MatchContext) => boolean {
  return (cands, ctx) => {
    for (const c of cands) {
      if (p(c.value)) {
        if (ctx && c.arrayPos !== undefined) ctx.pos ??= c.arrayPos;
        return true;
      }
      if (Array.isArray(c.value)) {
        for (let i = 0; i < c.value.length; i++) {
          if (p(c.value[i])) {
            if (ctx) ctx.pos ??= c.arrayPos ?? i;
            return true;
          }
        }
      }
    }
    return false;
  };
}

function toRegExp(v: unknown, extraOptions?: unknown): RegExp {
  if (v instanceof RegExp) return extraOptions ? new RegExp(v.source, String(extraOptions)) : v;
  if (bsonTypeOf(v) === 'BSONRegExp') {
    const r = v as BSONRegExp;
    return makeRegExp(r.pattern, String(extraOptions ?? r.options));
  }
  if (typeof v === 'string') return makeRegExp(v, String(extraOptions ?? ''));
  throw badValue('$regex has to be a string');
}

function makeRegExp(pattern: string, options: string): RegExp {
  // JS supports i, m, s; mongod's x (extended) is emulated by dropping unescaped whitespace
  // and # comments.
  let p = pattern;
  if (options.includes('x')) {
    p = p
      .split('\n')
      .map((line) => line.replace(/(^|[^\\])#.*$/, '$1'))
      .join('')
      .replace(/(^|[^\\])\s+/g, '$1');
  }
  const flags = [...options].filter((f) => 'ims'.includes(f)).join('');
  return new RegExp(p, flags);
}

function isRegexValue(v: unknown): boolean {
  return v instanceof RegExp || bsonTypeOf(v) === 'BSONRegExp';
}

function regexPred(re: RegExp): ValuePred {
  return (v) => {
    if (typeof v === 'string') {
      re.lastIndex = 0;
      return re.test(v);
    }
    if (bsonTypeOf(v) === 'BSONSymbol') return re.test(String(v));
    return false;
  };
}

function equalityPred(q: unknown): ValuePred {
  if (isRegexValue(q)) {
    const re = regexPred(toRegExp(q));
    return (v) => re(v) || (isRegexValue(v) && valuesEqual(v, q));
  }
  if (q === null) return (v) => v === null || v === undefined;
  const rank = typeRank(q);
  return (v) => typeRank(v) === rank && compareValues(v, q) === 0;
}

/** A string or ObjectId as a Set key: values equal as BSON exactly when their keys are. */
function hashKey(v: unknown): string | undefined {
  if (typeof v === 'string') return `s${v}`;
  if (bsonTypeOf(v) === 'ObjectId') return `o${(v as ObjectId).toHexString()}`;
  return undefined;
}

/**
 * Equal to some value of an `$in` list. Strings and ObjectIds (the ids of batched reads) are
 * looked up in a Set: compared one by one, a list of n ids checked against its n candidates was
 * n² comparisons (500 sessions re-checked at once: 250,000). Other values are compared as before;
 * a candidate that is neither a string nor an ObjectId (a BSON symbol equals a string) is compared
 * with every value of the list.
 */
function inList(list: unknown[]): ValuePred {
  const keys = new Set<string>();
  const others: ValuePred[] = [];
  for (const q of list) {
    const key = hashKey(q);
    if (key === undefined) others.push(equalityPred(q));
    else keys.add(key);
  }
  let all: ValuePred[] | undefined;
  return (v) => {
    const key = hashKey(v);
    if (key !== undefined) return keys.has(key) || others.some((p) => p(v));
    all ??= list.map(equalityPred);
    return all.some((p) => p(v));
  };
}

function comparePred(q: unknown, test: (c: number) => boolean): ValuePred {
  const rank = typeRank(q);
  // MinKey/MaxKey bounds compare across every type.
  if (rank === 1 || rank === 14) return (v) => v !== undefined && test(compareValues(v, q));
  if (q === null) return (v) => (v === null || v === undefined) && test(0);
  return (v) => typeRank(v) === rank && test(compareValues(v, q));
}

function typePred(spec: unknown): ValuePred {
  const names = (Array.isArray(spec) ? spec : [spec]).map((t) => {
    if (isNumber(t)) {
      const name = TYPE_NUMBERS[toNumber(t)];
      if (!name) throw badValue(`Invalid numerical type code: ${toNumber(t)}`);
      return name;
    }
    return String(t);
  });
  return (v) =>
    v !== undefined && names.some((n) => (n === 'number' ? isNumber(v) : bsonTypeName(v) === n));
}

type CandPred = (cands: Candidate[], ctx?: MatchContext) => boolean;

function compileOperator(op: string, arg: unknown, all: Doc): CandPred {
  switch (op) {
    case '$eq':
      return anyElement(isRegexValue(arg) ? (v) => valuesEqual(v, arg) : equalityPred(arg));
    case '$ne': {
      const p = anyElement(equalityPred(arg));
      return (c) => !p(c);
    }
    case '$gt':
      return anyElement(comparePred(arg, (c) => c > 0));
    case '$gte':
      return anyElement(comparePred(arg, (c) => c >= 0));
    case '$lt':
      return anyElement(comparePred(arg, (c) => c < 0));
    case '$lte':
      return anyElement(comparePred(arg, (c) => c <= 0));
    case '$in': {
      if (!Array.isArray(arg)) throw badValue('$in needs an array');
      return anyElement(inList(arg));
    }
    case '$nin': {
      if (!Array.isArray(arg)) throw badValue('$nin needs an array');
      const p = anyElement(inList(arg));
      return (c) => !p(c);
    }
    case '$exists':
      return isTruthy(arg)
        ? (c) => c.some((x) => x.value !== undefined)
        : (c) => c.every((x) => x.value === undefined);
    case '$regex':
      return anyElement(regexPred(toRegExp(arg, all.$options)));
    case '$not': {
      const inner: CandPred = isRegexValue(arg)
        ? anyElement(regexPred(toRegExp(arg)))
        : isOperatorDoc(arg)
          ? andAll(arg)
          : (() => {
              throw badValue('$not needs a regex or a document');
            })();
      return (c) => !inner(c);
    }
    case '$size': {
      const n = toNumber(arg);
      return (c) => c.some((x) => Array.isArray(x.value) && x.value.length === n);
    }
    case '$all': {
      if (!Array.isArray(arg)) throw badValue('$all needs an array');
      if (arg.length === 0) return () => false;
      const preds: CandPred[] = arg.map((q) =>
        isPlainObject(q) && '$elemMatch' in q
          ? compileOperator('$elemMatch', q.$elemMatch, q)
          : anyElement(equalityPred(q)),
      );
      return (c, ctx) => preds.every((p) => p(c, ctx));
    }
    case '$elemMatch': {
      if (!isPlainObject(arg)) throw badValue('$elemMatch needs an Object');
      const valueOps = isOperatorDoc(arg) && !('$and' in arg || '$or' in arg || '$nor' in arg);
      const test: ValuePred = valueOps
        ? (
            (p) => (v: unknown) =>
              p([{ value: v }])
          )(andAll(arg))
        : (
            (m) => (v: unknown) =>
              isPlainObject(v) && m(v)
          )(compileFilter(arg));
      return (c, ctx) => {
        for (const x of c) {
          if (!Array.isArray(x.value)) continue;
          const i = x.value.findIndex(test);
          if (i >= 0) {
            if (ctx) ctx.pos ??= x.arrayPos ?? i;
            return true;
          }
        }
        return false;
      };
    }
    case '$type':
      return (c) => {
        const p = typePred(arg);
        return c.some((x) => p(x.value) || (Array.isArray(x.value) && x.value.some((e) => p(e))));
      };
    case '$mod': {
      if (!Array.isArray(arg) || arg.length !== 2) {
        throw badValue('malformed mod, needs to be an array of 2 numbers');
      }
      const d = Math.trunc(toNumber(arg[0]));
      const r = Math.trunc(toNumber(arg[1]));
      if (d === 0) throw badValue('divisor cannot be 0');
      return anyElement((v) => isNumber(v) && Math.trunc(toNumber(v)) % d === r);
    }
    case '$comment':
      return () => true;
    default:
      if (UNSUPPORTED.has(op)) throw notSupported(op);
      throw badValue(`unknown operator: ${op}`);
  }
}

function andAll(ops: Doc): CandPred {
  const preds = Object.entries(ops)
    .filter(([k]) => k !== '$options')
    .map(([k, v]) => compileOperator(k, v, ops));
  return (c, ctx) => preds.every((p) => p(c, ctx));
}

/**
 * The top-level fields a filter reads, or null when it may read anything in the document
 * (`$expr`). With it, a read decodes only those fields of each candidate (see Engine.query).
 */
export function filterFields(
  filter: Doc | undefined | null,
  out: Set<string> = new Set(),
): Set<string> | null {
  if (!filter) return out;
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (!Array.isArray(cond)) return null;
      for (const c of cond) if (!isPlainObject(c) || filterFields(c, out) === null) return null;
    } else if (key === '$comment') {
      continue;
    } else if (key.startsWith('$')) {
      return null;
    } else {
      out.add(key.split('.')[0] as string);
    }
  }
  return out;
}
