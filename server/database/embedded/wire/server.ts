/** TCP server speaking the MongoDB wire protocol in front of an Engine. */
import net from 'node:net';
import { Double } from 'bson';
import type { Engine } from '../core/engine';
import { MAX_MESSAGE_SIZE } from '../core/commands/admin';
import { HEADER_SIZE, OP_QUERY, ProtocolError, encodeReply, parseMessage } from './protocol';

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
    let pending: Buffer = Buffer.alloc(0);
    // Requests on one connection are answered in order.
    let chain: Promise<void> = Promise.resolve();
    let closed = false;

    const fail = (reason: string) => {
      if (closed) return;
      closed = true;
      log('wire_malformed_message', { connectionId, reason, remote: socket.remoteAddress });
      socket.destroy();
    };

    socket.on('data', (chunk: Buffer) => {
      if (closed) return;
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 4) {
        const length = pending.readInt32LE(0);
        if (length < HEADER_SIZE + 5 || length > MAX_MESSAGE_SIZE) {
          fail(`bad message length ${length}`);
          return;
        }
        if (pending.length < length) break;
        const msg = pending.subarray(0, length);
        pending = pending.subarray(length);
        let req;
        try {
          req = parseMessage(msg);
        } catch (err) {
          fail(err instanceof ProtocolError ? err.message : 'unparseable message');
          return;
        }
        const request = req;
        chain = chain.then(async () => {
          let reply;
          try {
            reply = await engine.runCommand(request.db, request.command, { connectionId });
          } catch (err) {
            log('wire_command_failed', { connectionId, error: (err as Error).message });
            reply = {
              ok: new Double(0),
              code: 1,
              codeName: 'InternalError',
              errmsg: 'internal error',
            };
          }
          if (request.noReply || closed) return;
          const out = encodeReply(
            reply,
            nextRequestId++,
            request.requestId,
            request.opCode === OP_QUERY ? OP_QUERY : request.opCode,
          );
          socket.write(out);
        });
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
