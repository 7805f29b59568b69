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
