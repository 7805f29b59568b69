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
 * reuse its read buffer. Recovery decodes millions of ops, so this avoids per-op closures and
 * reuses the strings of recently seen database and collection names.
 */
export function decodeOps(buf: Buffer, start: number, end: number): JournalOp[] {
  const r = new OpReader(buf, start, end);
  const count = r.u32();
  const ops: JournalOp[] = [];
  for (let k = 0; k < count; k++) {
    const tag = r.u8();
    const arity = ARITY[tag];
    if (arity === undefined) throw new CodecError(`unknown journal op tag ${tag}`);
    r.lengths(arity);
    switch (tag) {
      case TAGS.createCollection:
        ops.push({ op: 'createCollection', db: r.str(), coll: r.str(), options: r.bytes() });
        break;
      case TAGS.dropCollection:
        ops.push({ op: 'dropCollection', db: r.str(), coll: r.str() });
        break;
      case TAGS.dropDatabase:
        ops.push({ op: 'dropDatabase', db: r.str() });
        break;
      case TAGS.renameCollection:
        ops.push({
          op: 'renameCollection',
          db: r.str(),
          from: r.str(),
          toDb: r.str(),
          to: r.str(),
        });
        break;
      case TAGS.createIndex:
        ops.push({ op: 'createIndex', db: r.str(), coll: r.str(), spec: r.bytes() });
        break;
      case TAGS.dropIndex:
        ops.push({ op: 'dropIndex', db: r.str(), coll: r.str(), name: r.str() });
        break;
      case TAGS.put:
        ops.push({ op: 'put', db: r.str(), coll: r.str(), doc: r.bytes() });
        break;
      case TAGS.delete:
        ops.push({ op: 'delete', db: r.str(), coll: r.str(), id: r.bytes() });
        break;
    }
  }
  if (r.pos !== end) throw new CodecError('trailing bytes after journal ops');
  return ops;
}

/** Names seen recently: most ops of a record share one database and collection. */
const nameCache: { bytes: Buffer; str: string }[] = [];

class OpReader {
  private readonly lens: number[] = [];
  private field = 0;

  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.end) throw new CodecError('journal op truncated');
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Reads the field lengths that precede an op's fields. */
  lengths(arity: number): void {
    this.lens.length = 0;
    for (let i = 0; i < arity; i++) this.lens.push(this.u32());
    this.field = 0;
  }

  private take(): [number, number] {
    const len = this.lens[this.field++] as number;
    this.need(len);
    const at = this.pos;
    this.pos += len;
    return [at, at + len];
  }

  bytes(): Buffer {
    const [from, to] = this.take();
    return Buffer.from(this.buf.subarray(from, to));
  }

  str(): string {
    const [from, to] = this.take();
    for (const entry of nameCache) {
      if (
        entry.bytes.length === to - from &&
        this.buf.compare(entry.bytes, 0, entry.bytes.length, from, to) === 0
      ) {
        return entry.str;
      }
    }
    const str = this.buf.toString('utf8', from, to);
    if (nameCache.length >= 16) nameCache.shift();
    nameCache.push({ bytes: Buffer.from(this.buf.subarray(from, to)), str });
    return str;
  }
}
