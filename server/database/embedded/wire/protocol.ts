/**
 * MongoDB wire protocol framing: OP_MSG (2013) for everything, legacy OP_QUERY (2004) / OP_REPLY
 * (1) only for the driver's first hello. See the "OP_MSG" wire protocol specification.
 */
import { DECODE_OPTIONS, Doc } from '../bson/values';
import { deserialize, serialize } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;
export const HEADER_SIZE = 16;
export const FLAG_CHECKSUM = 1 << 0;
export const FLAG_MORE_TO_COME = 1 << 1;

export class ProtocolError extends Error {}

export interface Request {
  requestId: number;
  opCode: number;
  db: string;
  command: Doc;
  /** OP_MSG moreToCome: the client expects no reply. */
  noReply: boolean;
}

function readDoc(buf: Buffer, offset: number, end: number): { doc: Doc; next: number } {
  if (offset + 5 > end) throw new ProtocolError('truncated document');
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolError('document length out of bounds');
  let doc: Doc;
  try {
    doc = deserialize(buf.subarray(offset, offset + size), {
      ...DECODE_OPTIONS,
      validation: { utf8: true },
    }) as Doc;
  } catch (err) {
    throw new ProtocolError(`invalid BSON: ${(err as Error).message}`);
  }
  return { doc, next: offset + size };
}

function readCString(buf: Buffer, offset: number, end: number): { value: string; next: number } {
  const zero = buf.indexOf(0, offset);
  if (zero < 0 || zero >= end) throw new ProtocolError('unterminated string');
  return { value: buf.toString('utf8', offset, zero), next: zero + 1 };
}

/** Parses one complete message (header included). */
export function parseMessage(msg: Buffer): Request {
  const requestId = msg.readInt32LE(4);
  const opCode = msg.readInt32LE(12);
  if (opCode === OP_MSG) {
    const flags = msg.readUInt32LE(16);
    // Unknown required flag bits (0-15) must make the message invalid.
    if (flags & 0xfffc) throw new ProtocolError('unsupported OP_MSG flag bits');
    const end = flags & FLAG_CHECKSUM ? msg.length - 4 : msg.length;
    let offset = 20;
    let body: Doc | undefined;
    const sequences: Array<[string, Doc[]]> = [];
    while (offset < end) {
      const kind = msg[offset];
      offset++;
      if (kind === 0) {
        if (body) throw new ProtocolError('more than one body section');
        const r = readDoc(msg, offset, end);
        body = r.doc;
        offset = r.next;
      } else if (kind === 1) {
        if (offset + 4 > end) throw new ProtocolError('truncated document sequence');
        const size = msg.readInt32LE(offset);
        const seqEnd = offset + size;
        if (size < 5 || seqEnd > end)
          throw new ProtocolError('document sequence length out of bounds');
        const id = readCString(msg, offset + 4, seqEnd);
        const docs: Doc[] = [];
        let p = id.next;
        while (p < seqEnd) {
          const r = readDoc(msg, p, seqEnd);
          docs.push(r.doc);
          p = r.next;
        }
        sequences.push([id.value, docs]);
        offset = seqEnd;
      } else {
        throw new ProtocolError(`unknown section kind ${String(kind)}`);
      }
    }
    if (!body) throw new ProtocolError('OP_MSG without a body section');
    for (const [id, docs] of sequences) body[id] = docs;
    const db = typeof body.$db === 'string' ? body.$db : 'admin';
    return { requestId, opCode, db, command: body, noReply: (flags & FLAG_MORE_TO_COME) !== 0 };
  }
  if (opCode === OP_QUERY) {
    const ns = readCString(msg, 20, msg.length);
    const r = readDoc(msg, ns.next + 8, msg.length);
    const db = ns.value.split('.')[0] ?? 'admin';
    let command = r.doc;
    // Legacy wrapping: { $query: {...}, $readPreference: ... }.
    if (command.$query && typeof command.$query === 'object') command = command.$query as Doc;
    return { requestId, opCode, db, command, noReply: false };
  }
  throw new ProtocolError(`unsupported opCode ${opCode}`);
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_SIZE);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

export function encodeReply(
  body: Doc | Buffer,
  requestId: number,
  responseTo: number,
  opCode: number,
): Buffer {
  const doc = Buffer.isBuffer(body) ? body : Buffer.from(serialize(body));
  if (opCode === OP_QUERY) {
    const prefix = Buffer.alloc(20);
    prefix.writeInt32LE(0, 0); // responseFlags
    // cursorID (8 bytes) zero, startingFrom 0
    prefix.writeInt32LE(1, 16); // numberReturned
    return Buffer.concat([
      header(HEADER_SIZE + 20 + doc.length, requestId, responseTo, OP_REPLY),
      prefix,
      doc,
    ]);
  }
  const flags = Buffer.from([0, 0, 0, 0, 0]); // flagBits (no checksum), then section kind 0
  return Buffer.concat([
    header(HEADER_SIZE + 5 + doc.length, requestId, responseTo, OP_MSG),
    flags,
    doc,
  ]);
}
