/** Aggregation expressions ($add, $cond, "$field", "$$var", ...) evaluated over decoded documents. */
import { Double, Int32, Long } from 'bson';
import { getPath } from '../bson/paths';
import {
  Doc,
  addNumbers,
  bsonTypeName,
  compareValues,
  isNumber,
  isPlainObject,
  isTruthy,
  makeNumber,
  mulNumbers,
  numKind,
  subNumbers,
  toNumber,
  valuesEqual,
} from '../bson/values';
import { CommandError, badValue, notSupported } from '../core/errors';

export type Vars = Record<string, unknown>;

const REMOVE = Symbol('REMOVE');

export function evaluate(expr: unknown, doc: Doc, vars: Vars = {}): unknown {
  const v = evalInner(expr, doc, vars);
  return v === REMOVE ? undefined : v;
}

function evalInner(expr: unknown, doc: Doc, vars: Vars): unknown {
  if (typeof expr === 'string' && expr.startsWith('$')) return fieldPath(expr, doc, vars);
  if (Array.isArray(expr)) return expr.map((e) => evaluate(e, doc, vars));
  if (isPlainObject(expr)) {
    const keys = Object.keys(expr);
    if (keys.length === 1 && (keys[0] as string).startsWith('$')) {
      const op = keys[0] as string;
      return operator(op, expr[op], doc, vars);
    }
    const out: Doc = {};
    for (const k of keys) {
      const v = evalInner(expr[k], doc, vars);
      if (v !== undefined && v !== REMOVE) out[k] = v;
    }
    return out;
  }
  return expr;
}

function fieldPath(path: string, doc: Doc, vars: Vars): unknown {
  if (path.startsWith('$$')) {
    const [name, ...rest] = path.slice(2).split('.');
    let base: unknown;
    if (name === 'ROOT' || name === 'CURRENT') base = vars.CURRENT ?? doc;
    else if (name === 'REMOVE') return REMOVE;
    else if (name === 'NOW') base = vars.NOW ?? new Date();
    else if (name !== undefined && name in vars) base = vars[name];
    else throw new CommandError(17276, 'Location17276', `Use of undefined variable: ${name}`);
    return rest.length ? getPath(base, rest) : base;
  }
  return getPath(doc, path.slice(1));
}

function args(arg: unknown, doc: Doc, vars: Vars): unknown[] {
  return Array.isArray(arg) ? arg.map((a) => evaluate(a, doc, vars)) : [evaluate(arg, doc, vars)];
}

const isNullish = (v: unknown): boolean => v === null || v === undefined;

function sumValues(values: unknown[]): unknown {
  let acc: unknown = new Int32(0);
  for (const v of values) if (isNumber(v)) acc = addNumbers(acc, v);
  return acc;
}

export function avgValues(values: unknown[]): unknown {
  const nums = values.filter(isNumber);
  if (nums.length === 0) return null;
  const total = nums.reduce((s: number, v) => s + toNumber(v), 0);
  if (nums.some((v) => numKind(v) === 'decimal')) return makeNumber('decimal', total / nums.length);
  return new Double(total / nums.length);
}

function extreme(values: unknown[], sign: 1 | -1): unknown {
  let best: unknown = undefined;
  for (const v of values) {
    if (isNullish(v)) continue;
    if (best === undefined || compareValues(v, best) * sign > 0) best = v;
  }
  return best === undefined ? null : best;
}

function dateParts(v: unknown): Date {
  if (v instanceof Date) return v;
  throw new CommandError(
    16006,
    'Location16006',
    `can't convert from BSON type ${bsonTypeName(v)} to Date`,
  );
}

function formatDate(d: Date, format: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const map: Record<string, string> = {
    '%Y': String(d.getUTCFullYear()),
    '%m': pad(d.getUTCMonth() + 1),
    '%d': pad(d.getUTCDate()),
    '%H': pad(d.getUTCHours()),
    '%M': pad(d.getUTCMinutes()),
    '%S': pad(d.getUTCSeconds()),
    '%L': pad(d.getUTCMilliseconds(), 3),
    '%j': pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1, 3),
    '%w': String(d.getUTCDay() + 1),
    '%u': String(d.getUTCDay() === 0 ? 7 : d.getUTCDay()),
    '%z': '+0000',
    '%Z': '0',
    '%%': '%',
  };
  return format.replace(/%[YmdHMSLjwuzZ%]/g, (m) => map[m] ?? m);
}

function toStringValue(v: unknown): unknown {
  if (isNullish(v)) return null;
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (isNumber(v))
    return numKind(v) === 'long' || numKind(v) === 'decimal' ? String(v) : String(toNumber(v));
  if (typeof v === 'boolean') return String(v);
  const t = (v as { toHexString?: () => string }).toHexString;
  if (typeof t === 'function') return t.call(v);
  throw badValue(`Unsupported conversion from ${bsonTypeName(v)} to string`);
}

function num(v: unknown, op: string): unknown {
  if (!isNumber(v)) {
    throw new CommandError(
      16554,
      'TypeMismatch',
      `${op} only supports numeric types, not ${bsonTypeName(v)}`,
    );
  }
  return v;
}

function operator(op: string, arg: unknown, doc: Doc, vars: Vars): unknown {
  const a = (): unknown[] => args(arg, doc, vars);
  switch (op) {
    case '$literal':
      return arg;
    case '$eq':
    case '$ne':
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
    case '$cmp': {
      const [x, y] = a();
      const c = compareValues(x, y);
      if (op === '$cmp') return new Int32(c);
      if (op === '$eq') return valuesEqual(x ?? null, y ?? null);
      if (op === '$ne') return !valuesEqual(x ?? null, y ?? null);
      return op === '$gt' ? c > 0 : op === '$gte' ? c >= 0 : op === '$lt' ? c < 0 : c <= 0;
    }
    case '$and':
      return a().every(isTruthy);
    case '$or':
      return a().some(isTruthy);
    case '$not':
      return !isTruthy(a()[0]);
    case '$cond': {
      let c: unknown, t: unknown, e: unknown;
      if (Array.isArray(arg)) [c, t, e] = arg;
      else ({ if: c, then: t, else: e } = arg as Doc);
      return isTruthy(evaluate(c, doc, vars)) ? evalInner(t, doc, vars) : evalInner(e, doc, vars);
    }
    case '$ifNull': {
      const list = Array.isArray(arg) ? arg : [arg];
      for (let i = 0; i < list.length - 1; i++) {
        const v = evaluate(list[i], doc, vars);
        if (!isNullish(v)) return v;
      }
      return evaluate(list[list.length - 1], doc, vars);
    }
    case '$switch': {
      const spec = arg as { branches: Array<{ case: unknown; then: unknown }>; default?: unknown };
      for (const b of spec.branches) {
        if (isTruthy(evaluate(b.case, doc, vars))) return evaluate(b.then, doc, vars);
      }
      if ('default' in spec) return evaluate(spec.default, doc, vars);
      throw badValue('$switch could not find a matching branch and no default was given');
    }
    case '$add': {
      const vals = a();
      if (vals.some(isNullish)) return null;
      const date = vals.find((v) => v instanceof Date) as Date | undefined;
      const total = vals
        .filter((v) => !(v instanceof Date))
        .reduce((s, v) => addNumbers(s, num(v, '$add')), new Int32(0));
      return date ? new Date(date.getTime() + toNumber(total)) : total;
    }
    case '$subtract': {
      const [x, y] = a();
      if (isNullish(x) || isNullish(y)) return null;
      if (x instanceof Date && y instanceof Date) return Long.fromNumber(x.getTime() - y.getTime());
      if (x instanceof Date) return new Date(x.getTime() - toNumber(y));
      return subNumbers(num(x, '$subtract'), num(y, '$subtract'));
    }
    case '$multiply': {
      const vals = a();
      if (vals.some(isNullish)) return null;
      return vals.reduce((s, v) => mulNumbers(s, num(v, '$multiply')), new Int32(1));
    }
    case '$divide': {
      const [x, y] = a();
      if (isNullish(x) || isNullish(y)) return null;
      if (toNumber(num(y, '$divide')) === 0) throw badValue("can't $divide by zero");
      const kind = numKind(x) === 'decimal' || numKind(y) === 'decimal' ? 'decimal' : 'double';
      return makeNumber(kind, toNumber(num(x, '$divide')) / toNumber(y));
    }
    case '$mod': {
      const [x, y] = a();
      if (isNullish(x) || isNullish(y)) return null;
      const kind =
        numKind(x) === 'double' || numKind(y) === 'double'
          ? 'double'
          : numKind(x) === 'long' || numKind(y) === 'long'
            ? 'long'
            : 'int';
      return makeNumber(kind, toNumber(x) % toNumber(y));
    }
    case '$abs': {
      const [x] = a();
      if (isNullish(x)) return null;
      const k = numKind(num(x, '$abs')) ?? 'double';
      return makeNumber(k, k === 'long' ? BigInt(Math.abs(toNumber(x))) : Math.abs(toNumber(x)));
    }
    case '$floor':
    case '$ceil':
    case '$round':
    case '$trunc': {
      const [x] = a();
      if (isNullish(x)) return null;
      const k = numKind(num(x, op)) ?? 'double';
      const n = toNumber(x);
      const r =
        op === '$floor'
          ? Math.floor(n)
          : op === '$ceil'
            ? Math.ceil(n)
            : op === '$round'
              ? Math.round(n)
              : Math.trunc(n);
      return k === 'int' || k === 'long' ? x : makeNumber(k, r);
    }
    case '$size': {
      const [x] = a();
      if (!Array.isArray(x)) {
        throw new CommandError(
          17124,
          'Location17124',
          `The argument to $size must be an array. Type of argument: ${bsonTypeName(x)}`,
        );
      }
      return new Int32(x.length);
    }
    case '$in': {
      const [x, list] = a();
      if (!Array.isArray(list))
        throw new CommandError(
          40081,
          'Location40081',
          '$in requires an array as a second argument',
        );
      return list.some((e) => valuesEqual(e, x));
    }
    case '$concat': {
      const vals = a();
      if (vals.some(isNullish)) return null;
      return vals.map(String).join('');
    }
    case '$toLower':
    case '$toUpper': {
      const [x] = a();
      const s = isNullish(x) ? '' : String(toStringValue(x));
      return op === '$toLower' ? s.toLowerCase() : s.toUpperCase();
    }
    case '$toString':
      return toStringValue(a()[0]);
    case '$toInt':
    case '$toLong':
    case '$toDouble':
    case '$toDecimal': {
      const [x] = a();
      if (isNullish(x)) return null;
      const n =
        typeof x === 'string'
          ? Number(x)
          : x instanceof Date
            ? x.getTime()
            : typeof x === 'boolean'
              ? Number(x)
              : toNumber(x);
      const kind =
        op === '$toInt'
          ? 'int'
          : op === '$toLong'
            ? 'long'
            : op === '$toDouble'
              ? 'double'
              : 'decimal';
      return makeNumber(kind, kind === 'int' || kind === 'long' ? BigInt(Math.trunc(n)) : n);
    }
    case '$toBool':
      return isTruthy(a()[0]);
    case '$type':
      return bsonTypeName(a()[0]);
    case '$dateToString': {
      const spec = arg as Doc;
      const d = evaluate(spec.date, doc, vars);
      if (isNullish(d)) return spec.onNull !== undefined ? evaluate(spec.onNull, doc, vars) : null;
      if (
        spec.timezone !== undefined &&
        !['UTC', 'GMT', 'Z', '+00:00'].includes(String(evaluate(spec.timezone, doc, vars)))
      ) {
        throw notSupported('$dateToString with a timezone other than UTC');
      }
      return formatDate(dateParts(d), String(spec.format ?? '%Y-%m-%dT%H:%M:%S.%LZ'));
    }
    case '$year':
    case '$month':
    case '$dayOfMonth':
    case '$hour':
    case '$minute':
    case '$second':
    case '$millisecond':
    case '$dayOfWeek':
    case '$dayOfYear': {
      const raw = isPlainObject(arg) && 'date' in arg ? evaluate(arg.date, doc, vars) : a()[0];
      if (isNullish(raw)) return null;
      const d = dateParts(raw);
      const values: Record<string, number> = {
        $year: d.getUTCFullYear(),
        $month: d.getUTCMonth() + 1,
        $dayOfMonth: d.getUTCDate(),
        $hour: d.getUTCHours(),
        $minute: d.getUTCMinutes(),
        $second: d.getUTCSeconds(),
        $millisecond: d.getUTCMilliseconds(),
        $dayOfWeek: d.getUTCDay() + 1,
        $dayOfYear: Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1,
      };
      return new Int32(values[op] as number);
    }
    case '$arrayElemAt': {
      const [arr, idx] = a();
      if (isNullish(arr) || isNullish(idx)) return null;
      if (!Array.isArray(arr)) throw badValue("$arrayElemAt's first argument must be an array");
      const i = toNumber(idx);
      return i < 0 ? arr[arr.length + i] : arr[i];
    }
    case '$first':
    case '$last': {
      const [arr] = a();
      if (isNullish(arr)) return null;
      if (!Array.isArray(arr)) throw badValue(`${op}'s argument must be an array`);
      return op === '$first' ? arr[0] : arr[arr.length - 1];
    }
    case '$filter': {
      const spec = arg as Doc;
      const input = evaluate(spec.input, doc, vars);
      if (isNullish(input)) return null;
      const name = String(spec.as ?? 'this');
      const out = (input as unknown[]).filter((e) =>
        isTruthy(evaluate(spec.cond, doc, { ...vars, [name]: e })),
      );
      return spec.limit !== undefined
        ? out.slice(0, toNumber(evaluate(spec.limit, doc, vars)))
        : out;
    }
    case '$map': {
      const spec = arg as Doc;
      const input = evaluate(spec.input, doc, vars);
      if (isNullish(input)) return null;
      const name = String(spec.as ?? 'this');
      return (input as unknown[]).map((e) => evaluate(spec.in, doc, { ...vars, [name]: e }));
    }
    case '$reduce': {
      const spec = arg as Doc;
      const input = evaluate(spec.input, doc, vars);
      if (isNullish(input)) return null;
      let value = evaluate(spec.initialValue, doc, vars);
      for (const e of input as unknown[])
        value = evaluate(spec.in, doc, { ...vars, value, this: e });
      return value;
    }
    case '$let': {
      const spec = arg as { vars: Doc; in: unknown };
      const bound: Vars = { ...vars };
      for (const [k, v] of Object.entries(spec.vars)) bound[k] = evaluate(v, doc, vars);
      return evaluate(spec.in, doc, bound);
    }
    case '$concatArrays': {
      const vals = a();
      if (vals.some(isNullish)) return null;
      return ([] as unknown[]).concat(...(vals as unknown[][]));
    }
    case '$isArray':
      return Array.isArray(a()[0]);
    case '$objectToArray': {
      const [o] = a();
      if (!isPlainObject(o)) return null;
      return Object.entries(o).map(([k, v]) => ({ k, v }));
    }
    case '$arrayToObject': {
      const [arr] = a();
      const out: Doc = {};
      for (const e of arr as unknown[]) {
        if (Array.isArray(e)) out[String(e[0])] = e[1];
        else out[String((e as Doc).k)] = (e as Doc).v;
      }
      return out;
    }
    case '$mergeObjects': {
      const out: Doc = {};
      for (const o of a()) if (isPlainObject(o)) Object.assign(out, o);
      return out;
    }
    case '$sum':
    case '$avg':
    case '$min':
    case '$max': {
      const vals = a();
      const list = vals.length === 1 && Array.isArray(vals[0]) ? (vals[0] as unknown[]) : vals;
      if (op === '$sum') return sumValues(list);
      if (op === '$avg') return avgValues(list);
      return extreme(list, op === '$max' ? 1 : -1);
    }
    case '$strLenCP':
      return new Int32([...String(a()[0])].length);
    case '$substr':
    case '$substrCP':
    case '$substrBytes': {
      const [s, start, len] = a();
      if (isNullish(s)) return '';
      const st = toNumber(start);
      const ln = toNumber(len);
      return String(s).substr(st, ln < 0 ? undefined : ln);
    }
    case '$split': {
      const [s, sep] = a();
      if (isNullish(s)) return null;
      return String(s).split(String(sep));
    }
    case '$trim': {
      const spec = arg as Doc;
      const s = evaluate(spec.input, doc, vars);
      return isNullish(s) ? null : String(s).trim();
    }
    case '$setUnion':
    case '$setIntersection':
    case '$setDifference': {
      const [x, ...rest] = a() as unknown[][];
      const has = (list: unknown[], v: unknown) => list.some((e) => valuesEqual(e, v));
      let out: unknown[];
      if (op === '$setUnion') out = [x ?? [], ...rest].flat();
      else if (op === '$setIntersection')
        out = (x ?? []).filter((v) => rest.every((r) => has(r, v)));
      else out = (x ?? []).filter((v) => !has(rest[0] ?? [], v));
      return out.filter((v, i) => out.findIndex((e) => valuesEqual(e, v)) === i);
    }
    case '$indexOfArray': {
      const [arr, v] = a();
      if (isNullish(arr)) return null;
      return new Int32((arr as unknown[]).findIndex((e) => valuesEqual(e, v)));
    }
    case '$slice': {
      const [arr, p, n] = a();
      if (isNullish(arr)) return null;
      const list = arr as unknown[];
      if (n === undefined) {
        const k = toNumber(p);
        return k >= 0 ? list.slice(0, k) : list.slice(k);
      }
      const start = toNumber(p);
      const from = start < 0 ? Math.max(list.length + start, 0) : start;
      return list.slice(from, from + toNumber(n));
    }
    case '$regexMatch': {
      const spec = arg as Doc;
      const input = evaluate(spec.input, doc, vars);
      const re = evaluate(spec.regex, doc, vars);
      if (typeof input !== 'string') return false;
      const src =
        typeof re === 'string'
          ? re
          : ((re as { pattern?: string; source?: string }).pattern ?? (re as RegExp).source);
      return new RegExp(src, String(spec.options ?? '').replace(/[^ims]/g, '')).test(input);
    }
    case '$function':
    case '$accumulator':
    case '$where':
      throw notSupported(op);
    default:
      throw new CommandError(168, 'InvalidPipelineOperator', `Unrecognized expression '${op}'`);
  }
}
