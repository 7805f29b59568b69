/**
 * Order-preserving string encoding of BSON values ("key strings"): comparing two encodings with
 * `<` gives MongoDB's cross-type order, so index entries are plain JS strings (compact, fast to
 * compare, and holding no reference to the message or document buffers they came from).
 * Each encoded value is self-delimiting, so a compound key is the concatenation of its parts.
 */
import { Binary, BSONRegExp, Long, ObjectId, Timestamp } from 'bson';
import { Doc, bsonTypeOf, numKind, toNumber, typeRank } from '../bson/values';

const RANK_BASE = 0x20;
const TERM = '\u0000';

export function rankChar(rank: number): string {
  return String.fromCharCode(RANK_BASE + rank);
}

function escapeString(s: string): string {
  // \u0000 terminates, so it and the escape char itself are escaped.
  return s.replaceAll('\u0001', '\u0001\u0002').replaceAll('\u0000', '\u0001\u0001') + TERM;
}

// Fixed-width parts use one 8-bit code unit per byte, so typical keys stay one-byte (Latin-1)
// strings: half the memory of two-byte strings.
const f64 = new Float64Array(1);
const b64 = new Uint8Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function sortableDouble(n: number): string {
  if (Number.isNaN(n)) return '\u0000'.repeat(8);
  f64[0] = n === 0 ? 0 : n;
  const be: number[] = [];
  for (let i = 0; i < 8; i++) be.push(b64[LITTLE ? 7 - i : i] as number);
  const negative = ((be[0] as number) & 0x80) !== 0;
  return String.fromCharCode(...be.map((b, i) => (negative ? ~b & 0xff : i === 0 ? b ^ 0x80 : b)));
}

function encodeNumber(v: unknown): string {
  const kind = numKind(v);
  let approx: number;
  let diff = 0;
  if (kind === 'long' || typeof v === 'bigint') {
    const big = typeof v === 'bigint' ? v : (v as Long).toBigInt();
    approx = Number(big);
    // Longs beyond 2^53 round to a double; the remainder (|r| <= 1024) keeps them exact.
    if (Number.isFinite(approx)) diff = Number(big - BigInt(approx));
  } else {
    approx = toNumber(v);
  }
  const d = diff + 0x8000;
  return sortableDouble(approx) + String.fromCharCode(d >>> 8, d & 0xff);
}

function u32(n: number): string {
  return String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function bytes(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i++) out += String.fromCharCode(b[i] as number);
  return out;
}

export function encodeValue(v: unknown): string {
  const rank = typeRank(v);
  const head = rankChar(rank);
  switch (rank) {
    case 3:
      return head + encodeNumber(v);
    case 4:
      return head + escapeString(String(v));
    case 5: {
      let out = head;
      for (const [k, x] of Object.entries(v as Doc)) {
        out += rankChar(typeRank(x)) + escapeString(k) + encodeValue(x);
      }
      return out + TERM;
    }
    case 6:
      return head + (v as unknown[]).map(encodeValue).join('') + TERM;
    case 7: {
      const b = Buffer.isBuffer(v) ? v : (v as Binary).buffer.subarray(0, (v as Binary).position);
      const sub = Buffer.isBuffer(v) ? 0 : (v as Binary).sub_type;
      return head + u32(b.length) + String.fromCharCode(sub) + bytes(b);
    }
    case 8:
      return head + bytes((v as ObjectId).id);
    case 9:
      return head + (v ? '\u0002' : '\u0001');
    case 10:
      return head + sortableDouble((v as Date).getTime());
    case 11:
      return head + u32((v as Timestamp).t) + u32((v as Timestamp).i);
    case 12: {
      const r = v instanceof RegExp ? { pattern: v.source, options: v.flags } : (v as BSONRegExp);
      return head + escapeString(r.pattern) + escapeString(r.options);
    }
    case 1:
    case 2:
    case 14:
      return head;
    default:
      return head + escapeString(String(bsonTypeOf(v)) + JSON.stringify(v));
  }
}

/** Encoding for a descending key part: every code unit inverted reverses the order. */
export function invert(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(0xffff - s.charCodeAt(i));
  return out;
}

/** The smallest string greater than every string starting with `s` (null: none). */
export function successor(s: string): string | null {
  let i = s.length - 1;
  while (i >= 0 && s.charCodeAt(i) === 0xffff) i--;
  if (i < 0) return null;
  return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) + 1);
}
