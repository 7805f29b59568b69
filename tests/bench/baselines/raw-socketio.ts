/**
 * Baseline for scenarios B–E: a bare Socket.IO server with the same transport settings as
 * Harbour's, no session, no database. A client joins the room named in its handshake query; a
 * `broadcast` event is emitted as is to that room. Loopback only; stats over IPC.
 */
import http from 'node:http';
import { Server } from 'socket.io';
import { attachBenchStats } from '../../../server/bench-stats';

const server = http.createServer();
const io = new Server(server, {
  transports: ['websocket', 'polling'],
  perMessageDeflate: false,
  httpCompression: false,
  maxHttpBufferSize: 64 * 1024,
  pingInterval: 25_000,
  pingTimeout: 20_000,
});
io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? 'all');
  void socket.join(room);
  socket.on('broadcast', (event: string, payload: unknown, ack?: () => void) => {
    io.to(room).emit(event, payload);
    ack?.();
  });
});
attachBenchStats(() => io.engine.clientsCount);
process.on('SIGTERM', () => {
  io.disconnectSockets(true);
  void io.close(() => process.exit(0));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
