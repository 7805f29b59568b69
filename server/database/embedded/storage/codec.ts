/**
 * Binary encoding of journal ops. A hand-rolled layout (one tag byte, then length-prefixed
 * strings and byte strings in a fixed order) rather than BSON: document bytes are copied as is,
 * which keeps the commit path to one memcpy per document.
 */
import type { JournalOp } from './types';

const TAGS = {
  createCollection: 1,
  dropCollection: 2,
  dropDatabase: 3,
  renameCollection: 4,
  createIndex: 5,
  dropIndex: 6,
  put: 7,
  delete: 8,
} as const satisfies Record<JournalOp['op'], number>;

/** Number of fields of each op, by tag. */
const ARITY: Record<number, number> = { 1: 3, 2: 2, 3: 1, 4: 4, 5: 3, 6: 3, 7: 3, 8: 3 };

type Field = string | Buffer;

function fieldsOf(op: JournalOp): Field[] {
  switch (op.op) {
    case 'createCollection':
      return [op.db, op.coll, op.options];
    case 'dropCollection':
      return [op.db, op.coll];
    case 'dropDatabase':
      return [op.db];
    case 'renameCollection':
      return [op.db, op.from, op.toDb, op.to];
    case 'createIndex':
      return [op.db, op.coll, op.spec];
    case 'dropIndex':
      return [op.db, op.coll, op.name];
    case 'put':
      return [op.db, op.coll, op.doc];
    case 'delete':
      return [op.db, op.coll, op.id];
  }
}

/** Appends the encoding of `ops` to `parts` and returns the number of bytes added. */
export function encodeOps(ops: readonly JournalOp[], parts: Buffer[]): number {
  let size = 0;
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(ops.length, 0);
  parts.push(head);
  size += 4;
  for (const op of ops) {
    const fields = fieldsOf(op);
    // Tag + one u32 length per field, then the field bytes.
    const header = Buffer.allocUnsafe(1 + 4 * fields.length);
    header.writeUInt8(TAGS[op.op], 0);
    parts.push(header);
    size += header.length;
    fields.forEach((field, i) => {
      const bytes = typeof field === 'string' ? Buffer.from(field, 'utf8') : field;
      header.writeUInt32LE(bytes.length, 1 + 4 * i);
      parts.push(bytes);
      size += bytes.length;
    });
  }
  return size;
}

export class CodecError extends Error {}

/**
 * Decodes ops encoded by `encodeOps`. Byte fields are copied out of `buf` so the caller may
 * reuse its read buffer.
 */
export function decodeOps(buf: Buffer, start: number, end: number): JournalOp[] {
  let pos = start;
  const need = (n: number): void => {
    if (pos + n > end) throw new CodecError('journal op truncated');
  };
  need(4);
  const count = buf.readUInt32LE(pos);
  pos += 4;
  const ops: JournalOp[] = [];
  for (let k = 0; k < count; k++) {
    need(1);
    const tag = buf.readUInt8(pos);
    pos += 1;
    const arity = ARITY[tag];
    if (arity === undefined) throw new CodecError(`unknown journal op tag ${tag}`);
    need(4 * arity);
    const lengths: number[] = [];
    for (let i = 0; i < arity; i++) lengths.push(buf.readUInt32LE(pos + 4 * i));
    pos += 4 * arity;
    const raw: Buffer[] = [];
    for (const len of lengths) {
      need(len);
      raw.push(Buffer.from(buf.subarray(pos, pos + len)));
      pos += len;
    }
    const s = (i: number): string => (raw[i] as Buffer).toString('utf8');
    const b = (i: number): Buffer => raw[i] as Buffer;
    switch (tag) {
      case TAGS.createCollection:
        ops.push({ op: 'createCollection', db: s(0), coll: s(1), options: b(2) });
        break;
      case TAGS.dropCollection:
        ops.push({ op: 'dropCollection', db: s(0), coll: s(1) });
        break;
      case TAGS.dropDatabase:
        ops.push({ op: 'dropDatabase', db: s(0) });
        break;
      case TAGS.renameCollection:
        ops.push({ op: 'renameCollection', db: s(0), from: s(1), toDb: s(2), to: s(3) });
        break;
      case TAGS.createIndex:
        ops.push({ op: 'createIndex', db: s(0), coll: s(1), spec: b(2) });
        break;
      case TAGS.dropIndex:
        ops.push({ op: 'dropIndex', db: s(0), coll: s(1), name: s(2) });
        break;
      case TAGS.put:
        ops.push({ op: 'put', db: s(0), coll: s(1), doc: b(2) });
        break;
      case TAGS.delete:
        ops.push({ op: 'delete', db: s(0), coll: s(1), id: b(2) });
        break;
      default:
        throw new CodecError(`unknown journal op tag ${tag}`);
    }
  }
  if (pos !== end) throw new CodecError('trailing bytes after journal ops');
  return ops;
}
