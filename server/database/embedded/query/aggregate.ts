/** Aggregation pipeline stages over decoded documents. */
import { Int32 } from 'bson';
import { getPath, setPath, unsetPath } from '../bson/paths';
import {
  Doc,
  addNumbers,
  canonicalKey,
  clone,
  compareValues,
  isNumber,
  isPlainObject,
  isTruthy,
  toNumber,
  valuesEqual,
} from '../bson/values';
import { CommandError, badValue, notSupported } from '../core/errors';
import { Vars, avgValues, evaluate } from './expr';
import { compileFilter } from './match';
import { compileProjection, flattenProjection } from './projection';
import { sortDocs } from './sort';

export interface PipelineContext {
  /** Documents of another collection in this database matching `filter` (for $lookup). */
  find(coll: string, filter: Doc): Doc[];
  vars?: Vars;
}

export function stageName(stage: Doc): string {
  const keys = Object.keys(stage);
  if (keys.length !== 1) {
    throw new CommandError(
      40323,
      'Location40323',
      'A pipeline stage specification object must contain exactly one field.',
    );
  }
  return keys[0] as string;
}

export function runPipeline(input: Doc[], pipeline: Doc[], ctx: PipelineContext): Doc[] {
  let docs = input;
  for (const stage of pipeline) docs = runStage(docs, stage, ctx);
  return docs;
}

function runStage(docs: Doc[], stage: Doc, ctx: PipelineContext): Doc[] {
  const name = stageName(stage);
  const arg = stage[name];
  const vars = ctx.vars ?? {};
  switch (name) {
    case '$match': {
      const m = compileFilter(withVars(arg as Doc, vars));
      return docs.filter((d) => m(d));
    }
    case '$project':
      return docs.map(projectStage(arg as Doc, vars));
    case '$addFields':
    case '$set':
      return docs.map((d) => addFields(d, arg as Doc, vars));
    case '$unset': {
      const fields = Array.isArray(arg) ? (arg as string[]) : [String(arg)];
      return docs.map((d) => {
        const out = clone(d);
        for (const f of fields) unsetPath(out, f.split('.'));
        return out;
      });
    }
    case '$group':
      return group(docs, arg as Doc, vars);
    case '$sort':
      return sortDocs(docs, arg);
    case '$skip':
      return docs.slice(toNumber(arg));
    case '$limit':
      return docs.slice(0, toNumber(arg));
    case '$count':
      return docs.length ? [{ [String(arg)]: new Int32(docs.length) }] : [];
    case '$unwind':
      return unwind(docs, arg);
    case '$lookup':
      return lookup(docs, arg as Doc, ctx);
    case '$facet': {
      const out: Doc = {};
      for (const [k, p] of Object.entries(arg as Doc)) out[k] = runPipeline(docs, p as Doc[], ctx);
      return [out];
    }
    case '$replaceRoot':
    case '$replaceWith': {
      const expr = name === '$replaceRoot' ? (arg as Doc).newRoot : arg;
      return docs.map((d) => {
        const r = evaluate(expr, d, vars);
        if (!isPlainObject(r)) {
          throw new CommandError(
            40228,
            'Location40228',
            `'newRoot' expression must evaluate to an object, but resulting value was: ${String(r)}`,
          );
        }
        return r;
      });
    }
    case '$sortByCount': {
      const grouped = group(docs, { _id: arg, count: { $sum: 1 } }, vars);
      return sortDocs(grouped, { count: -1 });
    }
    case '$changeStream':
      throw new CommandError(
        40573,
        'Location40573',
        'The $changeStream stage is only supported on replica sets',
      );
    case '$out':
    case '$merge':
    case '$geoNear':
    case '$search':
    case '$graphLookup':
    case '$sample':
    case '$bucket':
    case '$bucketAuto':
    case '$collStats':
    case '$indexStats':
      throw notSupported(`The ${name} stage`);
    default:
      throw new CommandError(40324, 'Location40324', `Unrecognized pipeline stage name: '${name}'`);
  }
}

/** `$$var` inside a $match (only through $expr) resolves against the lookup's let variables. */
function withVars(filter: Doc, vars: Vars): Doc {
  if (!('$expr' in filter) || Object.keys(vars).length === 0) return filter;
  return { ...filter, $expr: bindVars(filter.$expr, vars) };
}

function bindVars(expr: unknown, vars: Vars): unknown {
  if (typeof expr === 'string' && expr.startsWith('$$')) {
    const [name, ...rest] = expr.slice(2).split('.');
    if (name !== undefined && name in vars) {
      const v = rest.length ? getPath(vars[name], rest) : vars[name];
      return { $literal: v };
    }
    return expr;
  }
  if (Array.isArray(expr)) return expr.map((e) => bindVars(e, vars));
  if (isPlainObject(expr)) {
    const out: Doc = {};
    for (const [k, v] of Object.entries(expr)) out[k] = bindVars(v, vars);
    return out;
  }
  return expr;
}

function isFlag(v: unknown): boolean {
  return typeof v === 'boolean' || isNumber(v);
}

function projectStage(raw: Doc, vars: Vars): (d: Doc) => Doc {
  const spec = flattenProjection(raw);
  const flags: Doc = {};
  const exprs: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(spec)) {
    if (isFlag(v)) flags[k] = v;
    else exprs.push([k, v]);
  }
  const inclusion =
    exprs.length > 0 || Object.entries(flags).some(([k, v]) => k !== '_id' && isTruthy(v));
  if (!inclusion) {
    const p = compileProjection(flags);
    return (d) => (p ? p(d) : d);
  }
  const inclFlags: Doc = {};
  for (const [k, v] of Object.entries(flags)) inclFlags[k] = v;
  const hasIncluded = Object.entries(inclFlags).some(([k, v]) => k !== '_id' && isTruthy(v));
  const p = hasIncluded ? compileProjection(inclFlags) : undefined;
  const keepId = !('_id' in flags) || isTruthy(flags._id);
  return (d) => {
    let out: Doc;
    if (p) out = p(d);
    else out = keepId && '_id' in d ? { _id: d._id } : {};
    for (const [k, e] of exprs) {
      const v = evaluate(e, d, vars);
      if (v !== undefined) setPath(out, k.split('.'), v);
    }
    return out;
  };
}

function addFields(d: Doc, spec: Doc, vars: Vars): Doc {
  const out = clone(d);
  for (const [k, e] of Object.entries(spec)) {
    const v = evaluate(e, d, vars);
    if (v === undefined) unsetPath(out, k.split('.'));
    else setPath(out, k.split('.'), v);
  }
  return out;
}

interface Acc {
  op: string;
  expr: unknown;
}

function group(docs: Doc[], spec: Doc, vars: Vars): Doc[] {
  if (!('_id' in spec))
    throw new CommandError(15955, 'Location15955', 'a group specification must include an _id');
  const accs = new Map<string, Acc>();
  for (const [k, v] of Object.entries(spec)) {
    if (k === '_id') continue;
    if (!isPlainObject(v) || Object.keys(v).length !== 1) {
      throw new CommandError(
        40234,
        'Location40234',
        `The field '${k}' must be an accumulator object`,
      );
    }
    const op = Object.keys(v)[0] as string;
    accs.set(k, { op, expr: v[op] });
  }
  const groups = new Map<string, { id: unknown; values: Map<string, unknown[]> }>();
  for (const d of docs) {
    const id = evaluate(spec._id, d, vars) ?? null;
    const key = canonicalKey(id);
    let g = groups.get(key);
    if (!g) {
      g = { id, values: new Map() };
      groups.set(key, g);
    }
    for (const [k, acc] of accs) {
      const list = g.values.get(k) ?? [];
      list.push(acc.op === '$count' ? new Int32(1) : evaluate(acc.expr, d, vars));
      g.values.set(k, list);
    }
  }
  const out: Doc[] = [];
  for (const g of groups.values()) {
    const row: Doc = { _id: g.id };
    for (const [k, acc] of accs) row[k] = accumulate(acc.op, g.values.get(k) ?? []);
    out.push(row);
  }
  return out;
}

function accumulate(op: string, values: unknown[]): unknown {
  switch (op) {
    case '$sum':
    case '$count': {
      let acc: unknown = new Int32(0);
      for (const v of values) if (isNumber(v)) acc = addNumbers(acc, v);
      return acc;
    }
    case '$avg':
      return avgValues(values);
    case '$min':
    case '$max': {
      let best: unknown = undefined;
      for (const v of values) {
        if (v === null || v === undefined) continue;
        const c = best === undefined ? 0 : compareValues(v, best);
        if (best === undefined || (op === '$min' ? c < 0 : c > 0)) best = v;
      }
      return best ?? null;
    }
    case '$first':
      return values.length ? (values[0] ?? null) : null;
    case '$last':
      return values.length ? (values[values.length - 1] ?? null) : null;
    case '$push':
      return values.filter((v) => v !== undefined);
    case '$addToSet': {
      const out: unknown[] = [];
      for (const v of values)
        if (v !== undefined && !out.some((e) => valuesEqual(e, v))) out.push(v);
      return out;
    }
    case '$mergeObjects': {
      const out: Doc = {};
      for (const v of values) if (isPlainObject(v)) Object.assign(out, v);
      return out;
    }
    case '$accumulator':
    case '$function':
      throw notSupported(op);
    default:
      throw new CommandError(15952, 'Location15952', `unknown group operator '${op}'`);
  }
}

function unwind(docs: Doc[], arg: unknown): Doc[] {
  const spec: Doc = typeof arg === 'string' ? { path: arg } : (arg as Doc);
  const path = String(spec.path);
  if (!path.startsWith('$')) throw badValue('$unwind path must be prefixed by $');
  const field = path.slice(1).split('.');
  const preserve = isTruthy(spec.preserveNullAndEmptyArrays);
  const indexField =
    typeof spec.includeArrayIndex === 'string' ? spec.includeArrayIndex : undefined;
  const out: Doc[] = [];
  for (const d of docs) {
    const v = getPath(d, field);
    if (Array.isArray(v) && v.length > 0) {
      v.forEach((e, i) => {
        const copy = clone(d);
        setPath(copy, field, e);
        if (indexField) setPath(copy, indexField.split('.'), new Int32(i));
        out.push(copy);
      });
    } else if (v !== undefined && v !== null && !Array.isArray(v)) {
      const copy = clone(d);
      if (indexField) setPath(copy, indexField.split('.'), null);
      out.push(copy);
    } else if (preserve) {
      const copy = clone(d);
      if (Array.isArray(v)) unsetPath(copy, field);
      if (indexField) setPath(copy, indexField.split('.'), null);
      out.push(copy);
    }
  }
  return out;
}

function lookup(docs: Doc[], spec: Doc, ctx: PipelineContext): Doc[] {
  const from = String(spec.from);
  const as = String(spec.as).split('.');
  const pipeline = Array.isArray(spec.pipeline) ? (spec.pipeline as Doc[]) : undefined;
  return docs.map((d) => {
    let foreign: Doc[];
    if (spec.localField !== undefined) {
      const local = getPath(d, String(spec.localField));
      const values = Array.isArray(local) ? local : [local ?? null];
      foreign = ctx.find(from, { [String(spec.foreignField)]: { $in: values } });
    } else {
      foreign = ctx.find(from, {});
    }
    if (pipeline) {
      const vars: Vars = { ...(ctx.vars ?? {}) };
      for (const [k, e] of Object.entries((spec.let as Doc | undefined) ?? {}))
        vars[k] = evaluate(e, d, ctx.vars);
      foreign = runPipeline(foreign, pipeline, { ...ctx, vars });
    }
    const out = clone(d);
    setPath(out, as, foreign);
    return out;
  });
}
