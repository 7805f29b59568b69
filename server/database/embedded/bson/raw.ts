/**
 * Builds cursor replies around stored documents' exact bytes, so find() returns a document
 * without decoding and re-encoding it.
 */
import { Long } from 'bson';

function cstring(s: string): Buffer {
  return Buffer.from(s + '\0', 'utf8');
}

function docOf(elements: Buffer[]): Buffer {
  const body = Buffer.concat(elements);
  const out = Buffer.allocUnsafe(body.length + 5);
  out.writeInt32LE(body.length + 5, 0);
  body.copy(out, 4);
  out[out.length - 1] = 0;
  return out;
}

function element(type: number, name: string, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), cstring(name), value]);
}

export function cursorReply(
  batchKey: 'firstBatch' | 'nextBatch',
  docs: Buffer[],
  id: Long,
  ns: string,
): Buffer {
  const items: Buffer[] = [];
  docs.forEach((d, i) => {
    items.push(Buffer.from([0x03]), cstring(String(i)), d);
  });
  const idBuf = Buffer.allocUnsafe(8);
  idBuf.writeInt32LE(id.low, 0);
  idBuf.writeInt32LE(id.high, 4);
  const nsBytes = Buffer.from(ns, 'utf8');
  const nsBuf = Buffer.allocUnsafe(nsBytes.length + 5);
  nsBuf.writeInt32LE(nsBytes.length + 1, 0);
  nsBytes.copy(nsBuf, 4);
  nsBuf[nsBuf.length - 1] = 0;
  const cursor = docOf([
    element(0x04, batchKey, docOf(items)),
    element(0x12, 'id', idBuf),
    element(0x02, 'ns', nsBuf),
  ]);
  const ok = Buffer.allocUnsafe(8);
  ok.writeDoubleLE(1, 0);
  return docOf([element(0x03, 'cursor', cursor), element(0x01, 'ok', ok)]);
}

/**
 * The byte length of a top-level element's value, read from its type without decoding it
 * (BSON specification, element types). Throws on a type it does not know.
 */
function valueLength(buf: Buffer, type: number, at: number): number {
  switch (type) {
    case 0x01: // double
    case 0x09: // UTC datetime
    case 0x11: // timestamp
    case 0x12: // int64
      return 8;
    case 0x02: // string
    case 0x0d: // JavaScript code
    case 0x0e: // symbol
      return 4 + buf.readInt32LE(at);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return buf.readInt32LE(at);
    case 0x05: // binary
      return 5 + buf.readInt32LE(at);
    case 0x06: // undefined
    case 0x0a: // null
    case 0x7f: // max key
    case 0xff: // min key
      return 0;
    case 0x07: // ObjectId
      return 12;
    case 0x08: // boolean
      return 1;
    case 0x0b: {
      // regular expression: two C strings
      const first = buf.indexOf(0, at);
      return buf.indexOf(0, first + 1) + 1 - at;
    }
    case 0x0c: // DBPointer
      return 4 + buf.readInt32LE(at) + 12;
    case 0x10: // int32
      return 4;
    case 0x13: // decimal128
      return 16;
    default:
      throw new Error(`unknown BSON element type 0x${type.toString(16)}`);
  }
}

/**
 * Which top-level fields `pickFields` copies: the listed ones, or all but the listed ones. Names
 * are held as their UTF-8 bytes read as latin1, so a stored name is compared without decoding it.
 */
export interface FieldPick {
  names: Set<string>;
  keepListed: boolean;
}

export function fieldPick(names: Iterable<string>, keepListed: boolean): FieldPick {
  const bytes = new Set<string>();
  for (const n of names) bytes.add(Buffer.from(n, 'utf8').toString('latin1'));
  return { names: bytes, keepListed };
}

/**
 * A document with only the top-level fields `pick` selects, copied byte for byte, in the stored
 * order: a top-level projection (or the few fields a filter reads) without decoding and
 * re-encoding the whole document.
 */
export function pickFields(doc: Buffer, pick: FieldPick): Buffer {
  const end = doc.readInt32LE(0) - 1;
  const kept: number[] = []; // start, end, start, end…
  let size = 5;
  let at = 4;
  while (at < end) {
    const start = at;
    const type = doc[at] as number;
    const nameEnd = doc.indexOf(0, at + 1);
    const listed = pick.names.has(doc.toString('latin1', at + 1, nameEnd));
    at = nameEnd + 1 + valueLength(doc, type, nameEnd + 1);
    if (listed === pick.keepListed) {
      kept.push(start, at);
      size += at - start;
    }
  }
  const out = Buffer.allocUnsafe(size);
  out.writeInt32LE(size, 0);
  let pos = 4;
  for (let k = 0; k < kept.length; k += 2) {
    pos += doc.copy(out, pos, kept[k] as number, kept[k + 1] as number);
  }
  out[pos] = 0;
  return out;
}
