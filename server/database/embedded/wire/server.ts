/** TCP server speaking the MongoDB wire protocol in front of an Engine. */
import net from 'node:net';
import { Double } from 'bson';
import type { Engine, Reply } from '../core/engine';
import { MAX_MESSAGE_SIZE } from '../core/commands/admin';
import {
  HEADER_SIZE,
  OP_MSG,
  OP_QUERY,
  ProtocolError,
  Request,
  encodeReply,
  parseMessage,
} from './protocol';

export type WireLog = (event: string, fields?: Record<string, unknown>) => void;

export interface WireServer {
  port: number;
  close(): Promise<void>;
}

export async function startWireServer(
  engine: Engine,
  opts: { host: string; port: number; log?: WireLog },
): Promise<WireServer> {
  const log: WireLog = opts.log ?? (() => undefined);
  const sockets = new Set<net.Socket>();
  let nextConnectionId = 1;
  let nextRequestId = 1;

  const server = net.createServer((socket) => {
    const connectionId = nextConnectionId++;
    sockets.add(socket);
    socket.setNoDelay(true);
    let chunks: Buffer[] = [];
    let buffered = 0;
    let needed = 0;
    // Requests on one connection are answered in order.
    let chain: Promise<void> = Promise.resolve();
    let closed = false;

    const answer = async (request: Request): Promise<void> => {
      let reply: Reply;
      try {
        reply = await engine.runCommand(request.db, request.command, { connectionId });
      } catch (err) {
        log('wire_command_failed', { connectionId, error: (err as Error).message });
        reply = { ok: new Double(0), code: 1, codeName: 'InternalError', errmsg: 'internal error' };
      }
      if (request.noReply || closed) return;
      const opCode = request.opCode === OP_QUERY ? OP_QUERY : OP_MSG;
      let out: Buffer;
      try {
        out = encodeReply(reply, nextRequestId++, request.requestId, opCode);
      } catch (err) {
        // e.g. a result document over 16 MB: answer with an error rather than stall the connection.
        log('wire_reply_failed', { connectionId, error: (err as Error).message });
        const error = {
          ok: new Double(0),
          code: 10334,
          codeName: 'BSONObjectTooLarge',
          errmsg: 'the reply is too large to send',
        };
        out = encodeReply(error, nextRequestId++, request.requestId, opCode);
      }
      socket.write(out);
    };

    const fail = (reason: string) => {
      if (closed) return;
      closed = true;
      log('wire_malformed_message', { connectionId, reason, remote: socket.remoteAddress });
      socket.destroy();
    };

    socket.on('data', (chunk: Buffer) => {
      if (closed) return;
      // Chunks are joined only once a whole message is there (a 48 MB message arrives in many).
      chunks.push(chunk);
      buffered += chunk.length;
      if (buffered < Math.max(needed, 4)) return;
      let pending = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      chunks = [];
      buffered = 0;
      needed = 0;
      while (pending.length >= 4) {
        const length = pending.readInt32LE(0);
        if (length < HEADER_SIZE + 5 || length > MAX_MESSAGE_SIZE) {
          fail(`bad message length ${length}`);
          return;
        }
        if (pending.length < length) {
          needed = length;
          break;
        }
        const msg = pending.subarray(0, length);
        pending = pending.subarray(length);
        let req: Request;
        try {
          req = parseMessage(msg);
        } catch (err) {
          fail(err instanceof ProtocolError ? err.message : 'unparseable message');
          return;
        }
        const request = req;
        chain = chain.then(() => answer(request));
      }
      if (pending.length > 0) {
        chunks = [pending];
        buffered = pending.length;
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      sockets.delete(socket);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  log('wire_listening', { host: opts.host, port });

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
