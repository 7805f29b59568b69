/**
 * BSON values as the engine sees them: documents decoded with `promoteValues: false`, so numbers
 * keep their exact type (Int32, Double, Long, Decimal128) and round-trip unchanged.
 * Ordering follows MongoDB's cross-type comparison order.
 */
import {
  Binary,
  BSONRegExp,
  Decimal128,
  Double,
  Int32,
  Long,
  ObjectId,
  Timestamp,
  deserialize,
  serialize,
} from 'bson';

export type Doc = Record<string, unknown>;

export const DECODE_OPTIONS = {
  promoteValues: false,
  promoteLongs: false,
  promoteBuffers: false,
  bsonRegExp: true,
} as const;

export function decode(buf: Buffer): Doc {
  return deserialize(buf, DECODE_OPTIONS) as Doc;
}

export function encode(doc: Doc): Buffer {
  // serialize() already returns a Buffer in Node; copying it again would pin two pool slabs.
  return serialize(doc, { ignoreUndefined: true }) as Buffer;
}

export function bsonTypeOf(v: unknown): string | undefined {
  if (v !== null && typeof v === 'object' && '_bsontype' in v) {
    return (v as { _bsontype: string })._bsontype;
  }
  return undefined;
}

export function isPlainObject(v: unknown): v is Doc {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    !(v instanceof RegExp) &&
    !Buffer.isBuffer(v) &&
    bsonTypeOf(v) === undefined
  );
}

export function isNumber(v: unknown): boolean {
  if (typeof v === 'number' || typeof v === 'bigint') return true;
  const t = bsonTypeOf(v);
  return t === 'Int32' || t === 'Double' || t === 'Long' || t === 'Decimal128';
}

export type NumKind = 'int' | 'long' | 'double' | 'decimal';

export function numKind(v: unknown): NumKind | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && isInt32(v) ? 'int' : 'double';
  if (typeof v === 'bigint') return 'long';
  switch (bsonTypeOf(v)) {
    case 'Int32':
      return 'int';
    case 'Long':
      return 'long';
    case 'Double':
      return 'double';
    case 'Decimal128':
      return 'decimal';
    default:
      return undefined;
  }
}

function isInt32(n: number): boolean {
  return n >= -2147483648 && n <= 2147483647;
}

/** A JS number for any numeric BSON value (approximate for large Long and Decimal128). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  switch (bsonTypeOf(v)) {
    case 'Int32':
    case 'Double':
      return (v as Int32 | Double).value;
    case 'Long':
      return (v as Long).toNumber();
    case 'Decimal128':
      return parseFloat((v as Decimal128).toString());
    default:
      return NaN;
  }
}

function toBigInt(v: unknown): bigint {
  if (bsonTypeOf(v) === 'Long') return (v as Long).toBigInt();
  if (typeof v === 'bigint') return v;
  return BigInt(Math.trunc(toNumber(v)));
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Builds a number of the given kind, widening like mongod when an integer result overflows. */
export function makeNumber(kind: NumKind, n: number | bigint): unknown {
  if (kind === 'decimal') return Decimal128.fromString(String(n));
  if (kind === 'double') return new Double(Number(n));
  const big = typeof n === 'bigint' ? n : BigInt(n);
  if (kind === 'int' && big >= -2147483648n && big <= 2147483647n) return new Int32(Number(big));
  if (big >= INT64_MIN && big <= INT64_MAX) return Long.fromBigInt(big);
  return new Double(Number(big));
}

function widest(a: NumKind, b: NumKind): NumKind {
  const order: NumKind[] = ['int', 'long', 'double', 'decimal'];
  return order[Math.max(order.indexOf(a), order.indexOf(b))] as NumKind;
}

function arith(a: unknown, b: unknown, op: 'add' | 'mul' | 'sub'): unknown {
  const ka = numKind(a);
  const kb = numKind(b);
  if (!ka || !kb) throw new TypeError('non-numeric operand');
  const kind = widest(ka, kb);
  if (kind === 'int' || kind === 'long') {
    const x = toBigInt(a);
    const y = toBigInt(b);
    return makeNumber(kind, op === 'add' ? x + y : op === 'sub' ? x - y : x * y);
  }
  const x = toNumber(a);
  const y = toNumber(b);
  return makeNumber(kind, op === 'add' ? x + y : op === 'sub' ? x - y : x * y);
}

export const addNumbers = (a: unknown, b: unknown): unknown => arith(a, b, 'add');
export const subNumbers = (a: unknown, b: unknown): unknown => arith(a, b, 'sub');
export const mulNumbers = (a: unknown, b: unknown): unknown => arith(a, b, 'mul');

/** Canonical type rank (MongoDB comparison order). Missing/undefined rank as null. */
export function typeRank(v: unknown): number {
  if (v === null || v === undefined) return 2;
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 3;
    case 'string':
      return 4;
    case 'boolean':
      return 9;
  }
  if (Array.isArray(v)) return 6;
  if (v instanceof Date) return 10;
  if (v instanceof RegExp) return 12;
  if (Buffer.isBuffer(v)) return 7;
  switch (bsonTypeOf(v)) {
    case 'MinKey':
      return 1;
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return 3;
    case 'BSONSymbol':
      return 4;
    case 'Binary':
      return 7;
    case 'ObjectId':
      return 8;
    case 'Timestamp':
      return 11;
    case 'BSONRegExp':
      return 12;
    case 'MaxKey':
      return 14;
    case 'Code':
    case 'DBRef':
      return 13;
    case undefined:
      return 5;
  }
  return 13;
}

function cmpNum(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNumbers(a: unknown, b: unknown): number {
  const ka = numKind(a);
  const kb = numKind(b);
  if ((ka === 'long' || ka === 'int') && (kb === 'long' || kb === 'int')) {
    const x = toBigInt(a);
    const y = toBigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return cmpNum(toNumber(a), toNumber(b));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), b);
}

function regexParts(v: unknown): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as BSONRegExp;
  return [r.pattern, r.options];
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order over BSON values, as mongod sorts and compares them. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 1:
    case 2:
    case 14:
      return 0;
    case 3:
      return compareNumbers(a, b);
    case 4:
      return cmpStr(String(a), String(b));
    case 5:
      return compareDocs(a as Doc, b as Doc);
    case 6: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length < 0 ? -1 : x.length === y.length ? 0 : 1;
    }
    case 7: {
      const x = binBytes(a);
      const y = binBytes(b);
      if (x.length !== y.length) return x.length < y.length ? -1 : 1;
      const sx = subtypeOf(a);
      const sy = subtypeOf(b);
      if (sx !== sy) return sx < sy ? -1 : 1;
      return compareBytes(x, y);
    }
    case 8:
      return compareBytes((a as ObjectId).id, (b as ObjectId).id);
    case 9:
      return a === b ? 0 : a ? 1 : -1;
    case 10:
      return cmpNum((a as Date).getTime(), (b as Date).getTime());
    case 11: {
      const x = a as Timestamp;
      const y = b as Timestamp;
      return x.t !== y.t ? (x.t < y.t ? -1 : 1) : x.i < y.i ? -1 : x.i > y.i ? 1 : 0;
    }
    case 12: {
      const [pa, fa] = regexParts(a);
      const [pb, fb] = regexParts(b);
      return cmpStr(pa, pb) || cmpStr(fa, fb);
    }
    default:
      return cmpStr(JSON.stringify(a), JSON.stringify(b));
  }
}

function binBytes(v: unknown): Uint8Array {
  if (Buffer.isBuffer(v)) return v;
  const b = v as Binary;
  return b.buffer.subarray(0, b.position);
}

function subtypeOf(v: unknown): number {
  return Buffer.isBuffer(v) ? 0 : (v as Binary).sub_type;
}

function compareDocs(a: Doc, b: Doc): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const fa = ka[i] as string;
    const fb = kb[i] as string;
    const tr = typeRank(a[fa]) - typeRank(b[fb]);
    if (tr !== 0) return tr < 0 ? -1 : 1;
    const c = cmpStr(fa, fb) || compareValues(a[fa], b[fb]);
    if (c !== 0) return c;
  }
  return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1;
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  return typeRank(a) === typeRank(b) && compareValues(a, b) === 0;
}

/**
 * A string equal for values mongod treats as equal (1, 1.0 and Long 1 collide), used to key
 * documents by _id and to de-duplicate ($addToSet, distinct, $group keys).
 */
export function canonicalKey(v: unknown): string {
  const rank = typeRank(v);
  switch (rank) {
    case 2:
      return 'z';
    case 3: {
      const k = numKind(v);
      if (k === 'long' || k === 'int') return 'n' + toBigInt(v).toString();
      const n = toNumber(v);
      if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return 'n' + BigInt(n).toString();
      return 'n' + String(n);
    }
    case 4:
      return 's' + String((v as string).valueOf());
    case 8:
      // Built with join() so the key is one flat string, not a two-part rope (memory per doc).
      return ['o', (v as ObjectId).toHexString()].join('');
    case 9:
      return v ? 'T' : 'F';
    case 10:
      return 'd' + (v as Date).getTime();
    case 5:
      return (
        '{' +
        Object.entries(v as Doc)
          .map(([k, x]) => JSON.stringify(k) + ':' + canonicalKey(x))
          .join(',') +
        '}'
      );
    case 6:
      return '[' + (v as unknown[]).map(canonicalKey).join(',') + ']';
    case 7:
      return 'b' + subtypeOf(v) + ':' + Buffer.from(binBytes(v)).toString('base64');
    case 11:
      return 't' + (v as Timestamp).t + ':' + (v as Timestamp).i;
    case 12: {
      const [p, f] = regexParts(v);
      return 'r/' + p + '/' + f;
    }
    default:
      return 'x' + rank + ':' + String(bsonTypeOf(v));
  }
}

/** $type names and numbers (https://www.mongodb.com/docs/manual/reference/bson-types/). */
export function bsonTypeName(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return numKind(v) === 'int' ? 'int' : 'double';
  if (typeof v === 'bigint') return 'long';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  if (Buffer.isBuffer(v)) return 'binData';
  const map: Record<string, string> = {
    Int32: 'int',
    Double: 'double',
    Long: 'long',
    Decimal128: 'decimal',
    ObjectId: 'objectId',
    Binary: 'binData',
    Timestamp: 'timestamp',
    BSONRegExp: 'regex',
    MinKey: 'minKey',
    MaxKey: 'maxKey',
    Code: 'javascript',
    BSONSymbol: 'symbol',
    DBRef: 'object',
  };
  const t = bsonTypeOf(v);
  return t === undefined ? 'object' : (map[t] ?? 'object');
}

export const TYPE_NUMBERS: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  13: 'javascript',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

export function isTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false) return false;
  if (isNumber(v)) return toNumber(v) !== 0;
  return true;
}

/** Deep copy of a decoded value (documents are mutated by updates). */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isPlainObject(v)) {
    const out: Doc = {};
    for (const k of Object.keys(v)) out[k] = clone(v[k]);
    return out as T;
  }
  return v;
}

/** Shell-like rendering for error messages (E11000 dup key: { email: "a@b" }). */
export function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (isNumber(v)) return String(toNumber(v));
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  const t = bsonTypeOf(v);
  if (t === 'ObjectId') return `ObjectId('${(v as ObjectId).toHexString()}')`;
  if (Array.isArray(v)) return '[ ' + v.map(renderValue).join(', ') + ' ]';
  if (isPlainObject(v)) {
    return (
      '{ ' +
      Object.entries(v)
        .map(([k, x]) => `${k}: ${renderValue(x)}`)
        .join(', ') +
      ' }'
    );
  }
  return String(v);
}
