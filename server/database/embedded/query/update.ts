/** Update documents ($set, $inc, $push, ...) and replacements applied to a decoded document. */
import { Int32, Timestamp } from 'bson';
import { getPath, peekPath, setPath, unsetPath } from '../bson/paths';
import {
  Doc,
  addNumbers,
  bsonTypeName,
  bsonTypeOf,
  clone,
  compareValues,
  isNumber,
  isPlainObject,
  makeNumber,
  mulNumbers,
  numKind,
  toNumber,
  valuesEqual,
} from '../bson/values';
import { CommandError, badValue } from '../core/errors';
import { Matcher, compileFilter } from './match';
import { compareBySortSpec } from './sort';

export interface UpdateOptions {
  /** True when the update creates a document (upsert): $setOnInsert applies. */
  inserting: boolean;
  /** Array position matched by the query, for `$`. */
  pos?: number;
  arrayFilters?: Doc[];
  now: Date;
}

export function isOperatorUpdate(update: unknown): update is Doc {
  if (!isPlainObject(update)) return false;
  const keys = Object.keys(update);
  return keys.length > 0 && (keys[0] as string).startsWith('$');
}

/** Replaces the document body, keeping _id first (mongod error 66 if the replacement moves it). */
export function applyReplacement(doc: Doc, replacement: Doc): Doc {
  for (const k of Object.keys(replacement)) {
    if (k.startsWith('$')) throw badValue(`The dollar ($) prefixed field '${k}' is not allowed`);
  }
  if ('_id' in replacement && '_id' in doc && !valuesEqual(replacement._id, doc._id)) {
    throw immutableId();
  }
  const out: Doc = {};
  if ('_id' in doc) out._id = doc._id;
  for (const [k, v] of Object.entries(replacement)) if (k !== '_id') out[k] = clone(v);
  if (!('_id' in out) && '_id' in replacement) out._id = replacement._id;
  return out;
}

export function immutableId(): CommandError {
  return new CommandError(
    66,
    'ImmutableField',
    "Performing an update on the path '_id' would modify the immutable field '_id'",
  );
}

/** Applies an operator update in place. */
export function applyUpdate(doc: Doc, update: Doc, opts: UpdateOptions): void {
  checkConflicts(update);
  const filters = compileArrayFilters(opts.arrayFilters);
  const originalId = doc._id;
  const hadId = '_id' in doc;
  for (const [op, spec] of Object.entries(update)) {
    if (!isPlainObject(spec))
      throw failedToParse(
        `Modifiers operate on fields but we found type ${bsonTypeName(spec)} instead. For example: {$mod: {<field>: ...}} not {${op}: ${String(spec)}}`,
      );
    if (op === '$setOnInsert' && !opts.inserting) continue;
    const handler = HANDLERS[op];
    if (!handler)
      throw failedToParse(
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    for (const [path, arg] of Object.entries(spec)) {
      if (path === '') throw failedToParse('An empty update path is not valid.');
      for (const parts of resolvePaths(doc, path.split('.'), opts, filters)) {
        handler(doc, parts, arg, opts);
      }
    }
  }
  if (hadId && !valuesEqual(doc._id, originalId)) throw immutableId();
  if (hadId && Object.keys(doc)[0] !== '_id') {
    // Keep _id first, as mongod stores it.
    const rest = { ...doc };
    delete rest._id;
    for (const k of Object.keys(doc)) delete doc[k];
    Object.assign(doc, { _id: originalId }, rest);
  }
}

/** mongod refuses two operators touching the same path or a path and its parent (code 40). */
function checkConflicts(update: Doc): void {
  const paths: string[] = [];
  for (const [op, spec] of Object.entries(update)) {
    if (!isPlainObject(spec)) continue;
    for (const [path, arg] of Object.entries(spec)) {
      paths.push(path);
      if (op === '$rename' && typeof arg === 'string') paths.push(arg);
    }
  }
  if (paths.length < 2) return;
  const sorted = paths.slice().sort();
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as string;
    const b = sorted[i] as string;
    if (a === b || b.startsWith(a + '.')) {
      throw new CommandError(
        40,
        'ConflictingUpdateOperators',
        `Updating the path '${b}' would create a conflict at '${a}'`,
      );
    }
  }
}

function failedToParse(msg: string): CommandError {
  return new CommandError(9, 'FailedToParse', msg);
}

function compileArrayFilters(list: Doc[] | undefined): Map<string, Matcher> {
  const out = new Map<string, Matcher>();
  for (const f of list ?? []) {
    const first = Object.keys(f)[0];
    if (first === undefined)
      throw failedToParse(
        'Cannot use an expression without a top-level field name in arrayFilters',
      );
    const id = first.split('.')[0] as string;
    const rewritten: Doc = {};
    for (const [k, v] of Object.entries(f)) rewritten['v' + k.slice(id.length)] = v;
    out.set(id, compileFilter(rewritten));
  }
  return out;
}

/** Expands `$`, `$[]` and `$[id]` into concrete paths. */
function resolvePaths(
  doc: Doc,
  parts: string[],
  opts: UpdateOptions,
  filters: Map<string, Matcher>,
): string[][] {
  const i = parts.findIndex((p) => p.startsWith('$'));
  if (i < 0) return [parts];
  const p = parts[i] as string;
  const prefix = parts.slice(0, i);
  const rest = parts.slice(i + 1);
  if (p === '$') {
    if (opts.inserting) return [prefix.concat(rest)];
    if (opts.pos === undefined)
      throw badValue('The positional operator did not find the match needed from the query.');
    return resolvePaths(doc, [...prefix, String(opts.pos), ...rest], opts, filters);
  }
  const m = /^\$\[(\w*)\]$/.exec(p);
  if (!m) throw badValue(`Unrecognized positional element ${p}`);
  const arr = peekPath(doc, prefix);
  if (!Array.isArray(arr)) {
    if (opts.inserting && arr === undefined) return [];
    throw badValue(
      `The path '${prefix.join('.')}' must exist in the document in order to apply array updates.`,
    );
  }
  const id = m[1] as string;
  const test = id ? filters.get(id) : undefined;
  if (id && !test)
    throw badValue(`No array filter found for identifier '${id}' in path '${parts.join('.')}'`);
  const out: string[][] = [];
  arr.forEach((e, idx) => {
    if (!test || test({ v: e }))
      out.push(...resolvePaths(doc, [...prefix, String(idx), ...rest], opts, filters));
  });
  return out;
}

type Handler = (doc: Doc, parts: string[], arg: unknown, opts: UpdateOptions) => void;

function idOf(doc: Doc): string {
  return JSON.stringify(String(doc._id ?? ''));
}

function numericTarget(doc: Doc, parts: string[], op: string): unknown {
  const cur = peekPath(doc, parts);
  if (cur !== undefined && !isNumber(cur)) {
    throw new CommandError(
      14,
      'TypeMismatch',
      `Cannot apply ${op} to a value of non-numeric type. {_id: ${idOf(doc)}} has the field '${parts.join('.')}' of non-numeric type ${bsonTypeName(cur)}`,
    );
  }
  return cur;
}

function arrayTarget(doc: Doc, parts: string[]): unknown[] | undefined {
  const cur = peekPath(doc, parts);
  if (cur === undefined) return undefined;
  if (!Array.isArray(cur)) {
    throw badValue(
      `The field '${parts.join('.')}' must be an array but is of type ${bsonTypeName(cur)} in document {_id: ${idOf(doc)}}`,
    );
  }
  return cur;
}

function eachOf(arg: unknown): unknown[] {
  return isPlainObject(arg) && '$each' in arg ? (arg.$each as unknown[]) : [arg];
}

const HANDLERS: Record<string, Handler> = {
  $set: (doc, parts, arg) => setPath(doc, parts, clone(arg)),
  $setOnInsert: (doc, parts, arg) => setPath(doc, parts, clone(arg)),
  $unset: (doc, parts) => void unsetPath(doc, parts),
  $inc: (doc, parts, arg) => {
    if (!isNumber(arg))
      throw badValue(
        `Cannot increment with non-numeric argument: {${parts.join('.')}: ${String(arg)}}`,
      );
    const cur = numericTarget(doc, parts, '$inc');
    setPath(doc, parts, cur === undefined ? arg : addNumbers(cur, arg));
  },
  $mul: (doc, parts, arg) => {
    if (!isNumber(arg))
      throw badValue(
        `Cannot multiply with non-numeric argument: {${parts.join('.')}: ${String(arg)}}`,
      );
    const cur = numericTarget(doc, parts, '$mul');
    setPath(
      doc,
      parts,
      cur === undefined ? makeNumber(numKind(arg) ?? 'double', 0) : mulNumbers(cur, arg),
    );
  },
  $min: (doc, parts, arg) => {
    const cur = peekPath(doc, parts);
    if (cur === undefined || compareValues(arg, cur) < 0) setPath(doc, parts, clone(arg));
  },
  $max: (doc, parts, arg) => {
    const cur = peekPath(doc, parts);
    if (cur === undefined || compareValues(arg, cur) > 0) setPath(doc, parts, clone(arg));
  },
  $rename: (doc, parts, arg) => {
    if (typeof arg !== 'string') throw badValue('The rename target must be a string');
    const cur = peekPath(doc, parts);
    if (cur === undefined) return;
    unsetPath(doc, parts);
    setPath(doc, arg.split('.'), cur);
  },
  $currentDate: (doc, parts, arg, opts) => {
    const ts = isPlainObject(arg) && arg.$type === 'timestamp';
    setPath(
      doc,
      parts,
      ts
        ? new Timestamp({ t: Math.floor(opts.now.getTime() / 1000), i: 1 })
        : new Date(opts.now.getTime()),
    );
  },
  $push: (doc, parts, arg) => {
    const cur = arrayTarget(doc, parts) ?? [];
    const items = eachOf(arg).map(clone);
    const mods = isPlainObject(arg) && '$each' in arg ? arg : {};
    let next = cur.slice();
    if (mods.$position !== undefined) {
      let at = toNumber(mods.$position);
      if (at < 0) at = Math.max(next.length + at, 0);
      next.splice(at, 0, ...items);
    } else {
      next.push(...items);
    }
    if (mods.$sort !== undefined) {
      const spec = mods.$sort;
      next.sort(
        isPlainObject(spec)
          ? (a, b) => compareBySortSpec(a as Doc, b as Doc, spec)
          : (a, b) => compareValues(a, b) * (toNumber(spec) < 0 ? -1 : 1),
      );
    }
    if (mods.$slice !== undefined) {
      const n = toNumber(mods.$slice);
      next = n >= 0 ? next.slice(0, n) : next.slice(n);
    }
    setPath(doc, parts, next);
  },
  $addToSet: (doc, parts, arg) => {
    const cur = (arrayTarget(doc, parts) ?? []).slice();
    for (const item of eachOf(arg))
      if (!cur.some((e) => valuesEqual(e, item))) cur.push(clone(item));
    setPath(doc, parts, cur);
  },
  $pop: (doc, parts, arg) => {
    const cur = arrayTarget(doc, parts);
    if (!cur || cur.length === 0) return;
    setPath(doc, parts, toNumber(arg) < 0 ? cur.slice(1) : cur.slice(0, -1));
  },
  $pull: (doc, parts, arg) => {
    const cur = arrayTarget(doc, parts);
    if (!cur) return;
    let test: (e: unknown) => boolean;
    if (isPlainObject(arg) && Object.keys(arg).every((k) => k.startsWith('$'))) {
      const m = compileFilter({ v: arg });
      test = (e) => m({ v: e });
    } else if (isPlainObject(arg)) {
      const m = compileFilter(arg);
      test = (e) => isPlainObject(e) && m(e);
    } else {
      const m = compileFilter({ v: arg });
      test = (e) => !Array.isArray(e) && m({ v: e });
    }
    setPath(
      doc,
      parts,
      cur.filter((e) => !test(e)),
    );
  },
  $pullAll: (doc, parts, arg) => {
    const cur = arrayTarget(doc, parts);
    if (!cur) return;
    const list = arg as unknown[];
    setPath(
      doc,
      parts,
      cur.filter((e) => !list.some((x) => valuesEqual(x, e))),
    );
  },
  $bit: (doc, parts, arg) => {
    const cur = numericTarget(doc, parts, '$bit') ?? new Int32(0);
    let n = BigInt(Math.trunc(toNumber(cur)));
    for (const [k, v] of Object.entries(arg as Doc)) {
      const b = BigInt(Math.trunc(toNumber(v)));
      n = k === 'and' ? n & b : k === 'or' ? n | b : n ^ b;
    }
    setPath(doc, parts, makeNumber(numKind(cur) ?? 'int', n));
  },
};

/** The equality fields of a query, seeding an upserted document. */
export function upsertSeed(filter: Doc): Doc {
  const out: Doc = {};
  const visit = (f: Doc) => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) v.forEach((x) => visit(x as Doc));
      else if (k.startsWith('$')) continue;
      else if (isPlainObject(v) && Object.keys(v).some((x) => x.startsWith('$'))) {
        if ('$eq' in v) setPath(out, k.split('.'), clone(v.$eq));
        else if ('$in' in v && Array.isArray(v.$in) && v.$in.length === 1)
          setPath(out, k.split('.'), clone(v.$in[0]));
      } else if (!(v instanceof RegExp) && bsonTypeOf(v) !== 'BSONRegExp') {
        // Regex conditions select; they are not values to store.
        setPath(out, k.split('.'), clone(v));
      }
    }
  };
  visit(filter);
  return out;
}

export { getPath };
