import type { Server } from 'socket.io';

/**
 * An in-memory stand-in for the Socket.IO server, with exactly the surface the broadcaster uses
 * (`to(room).emit`, `in(room).socketsJoin/socketsLeave/disconnectSockets`). Spy sockets record
 * everything delivered to them, so model tests can run thousands of sequences without a network.
 */
export interface SpySocket {
  id: number;
  userId: string;
  rooms: Set<string>;
  connected: boolean;
  received: Array<{ event: string; payload: unknown }>;
}

export class SpyIo {
  readonly sockets: SpySocket[] = [];
  private nextId = 1;

  connect(userId: string, rooms: string[]): SpySocket {
    const socket: SpySocket = {
      id: this.nextId++,
      userId,
      rooms: new Set([`user:${userId}`, ...rooms]),
      connected: true,
      received: [],
    };
    this.sockets.push(socket);
    return socket;
  }

  disconnect(socket: SpySocket): void {
    socket.connected = false;
    socket.rooms.clear();
  }

  private inRoom(room: string): SpySocket[] {
    return this.sockets.filter((s) => s.connected && s.rooms.has(room));
  }

  to(room: string) {
    return {
      emit: (event: string, payload: unknown) => {
        // Serialised as Socket.IO would: what arrives is JSON, not object references.
        const copy: unknown = JSON.parse(JSON.stringify(payload ?? null));
        for (const s of this.inRoom(room)) s.received.push({ event, payload: copy });
      },
    };
  }

  in(room: string) {
    const list = () => this.inRoom(room);
    const many = (rooms: string | string[]) => (Array.isArray(rooms) ? rooms : [rooms]);
    return {
      socketsJoin: (rooms: string | string[]) => {
        for (const s of list()) for (const r of many(rooms)) s.rooms.add(r);
      },
      socketsLeave: (rooms: string | string[]) => {
        for (const s of list()) for (const r of many(rooms)) s.rooms.delete(r);
      },
      disconnectSockets: () => {
        for (const s of list()) this.disconnect(s);
      },
    };
  }

  emit(event: string, payload: unknown): void {
    for (const s of this.sockets.filter((x) => x.connected)) s.received.push({ event, payload });
  }

  /** Typed as the real server for `attachBroadcaster` (only the methods above are used). */
  asServer(): Server {
    return this as unknown as Server;
  }
}
