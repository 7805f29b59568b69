/**
 * Checksummed record framing shared by journal segments and snapshots.
 *
 * Record: magic u32 | length u32 | crc32(length bytes + payload) u32 | payload.
 * The first payload byte is the record kind. A record is valid only if its magic, length and
 * CRC all check out, so a torn write (short record, zero-filled or stale page) is never mistaken
 * for data.
 */
import { crc32 } from 'node:zlib';
import { open, type FileHandle } from 'node:fs/promises';

export const RECORD_MAGIC = 0x31425248; // "HRB1" little-endian
export const HEADER_BYTES = 12;
/** Upper bound for one record; anything larger is treated as corruption, not allocated. */
export const MAX_RECORD_BYTES = 512 * 1024 * 1024;

export const RecordKind = {
  /** One commit's ops (journal) or one chunk of a snapshot's ops. */
  Ops: 1,
  /** First record of a journal segment: u32 segment number. */
  SegmentHeader: 2,
  /** First record of a snapshot: u32 segment number replay starts from. */
  SnapshotHeader: 3,
  /** Last record of a snapshot: u32 number of Ops records before it. */
  SnapshotEnd: 4,
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

/** Frames `payloadParts` (already starting with the kind byte) as one record. */
export function frameRecord(payloadParts: Buffer[], payloadBytes: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
  out.writeUInt32LE(RECORD_MAGIC, 0);
  out.writeUInt32LE(payloadBytes, 4);
  let pos = HEADER_BYTES;
  for (const part of payloadParts) pos += part.copy(out, pos);
  const crc = crc32(out.subarray(HEADER_BYTES), crc32(out.subarray(4, 8)));
  out.writeUInt32LE(crc, 8);
  return out;
}

/** A record holding a kind byte and one u32 (segment headers, snapshot header and end). */
export function smallRecord(kind: RecordKind, value: number): Buffer {
  const payload = Buffer.allocUnsafe(5);
  payload.writeUInt8(kind, 0);
  payload.writeUInt32LE(value, 1);
  return frameRecord([payload], payload.length);
}

export interface ScanResult {
  /** Offset just past the last valid record. */
  goodEnd: number;
  fileSize: number;
  /** The file continues with zeros only after goodEnd (preallocated journal space): a clean end. */
  zeroTail?: boolean;
  /** Why scanning stopped before the end of the file, if it did. */
  problem?: 'torn' | 'bad-magic' | 'bad-length' | 'bad-crc';
}

const READ_CHUNK = 4 * 1024 * 1024;

/**
 * Reads records from the start of `path` in order, calling `onRecord` with each valid payload
 * (a view into a reused buffer: copy what you keep). Stops at the first invalid record.
 */
export async function scanRecords(
  path: string,
  onRecord: (payload: Buffer, start: number, end: number) => void,
): Promise<ScanResult> {
  const fh = await open(path, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    let buf = Buffer.alloc(0);
    let bufStart = 0; // file offset of buf[0]
    let pos = 0; // file offset of the next record

    // Makes buf cover [pos, pos + n) if the file has that many bytes; returns false otherwise.
    const ensure = async (n: number): Promise<boolean> => {
      if (pos + n > fileSize) return false;
      if (pos + n <= bufStart + buf.length) return true;
      const want = Math.max(n, READ_CHUNK);
      const next = Buffer.allocUnsafe(Math.min(want, fileSize - pos));
      await readFully(fh, next, pos);
      buf = next;
      bufStart = pos;
      return true;
    };

    for (;;) {
      if (pos === fileSize) return { goodEnd: pos, fileSize };
      if (!(await ensure(HEADER_BYTES))) return { goodEnd: pos, fileSize, problem: 'torn' };
      const at = pos - bufStart;
      if (buf.readUInt32LE(at) !== RECORD_MAGIC) {
        if (await zerosFrom(fh, pos, fileSize)) return { goodEnd: pos, fileSize, zeroTail: true };
        return { goodEnd: pos, fileSize, problem: 'bad-magic' };
      }
      const len = buf.readUInt32LE(at + 4);
      if (len === 0 || len > MAX_RECORD_BYTES)
        return { goodEnd: pos, fileSize, problem: 'bad-length' };
      if (!(await ensure(HEADER_BYTES + len))) return { goodEnd: pos, fileSize, problem: 'torn' };
      const h = pos - bufStart;
      const expected = buf.readUInt32LE(h + 8);
      const payload = buf.subarray(h + HEADER_BYTES, h + HEADER_BYTES + len);
      if (crc32(payload, crc32(buf.subarray(h + 4, h + 8))) !== expected) {
        return { goodEnd: pos, fileSize, problem: 'bad-crc' };
      }
      onRecord(payload, pos, pos + HEADER_BYTES + len);
      pos += HEADER_BYTES + len;
    }
  } finally {
    await fh.close();
  }
}

/** True if the file holds only zero bytes from `from` to `end`. */
async function zerosFrom(fh: FileHandle, from: number, end: number): Promise<boolean> {
  const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - from));
  for (let pos = from; pos < end; pos += chunk.length) {
    const view = chunk.subarray(0, Math.min(chunk.length, end - pos));
    await readFully(fh, view, pos);
    for (let i = 0; i < view.length; i++) if (view[i] !== 0) return false;
  }
  return true;
}

async function readFully(fh: FileHandle, into: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error('file shrank while being read');
    done += bytesRead;
  }
}

/** Writes all of `data` at `position` (fs writes may be partial). */
export async function writeFully(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** fsyncs a directory so that file creations, renames and deletions in it are durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
