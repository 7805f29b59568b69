import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Server } from 'socket.io';

/**
 * Scale-out: with REDIS_URL, Socket.IO's Redis adapter carries room broadcasts and room
 * operations (`io.in(room).socketsLeave`, `disconnectSockets`) to every instance, so an emit made
 * where a post was approved reaches members connected anywhere, once. Redis holds no data of
 * ours; while it is unreachable each instance still serves its own sockets, and members on other
 * instances catch up by sequence from the database when it returns.
 */
export interface RedisLink {
  pub: Redis;
  sub: Redis;
  /** True when both connections are up and Redis answers a PING within a second. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

interface LinkLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export function createRedisLink(url: string, log: LinkLog): RedisLink {
  const options = {
    // Commands wait (queued) while reconnecting instead of failing after a few retries: the
    // adapter does not catch a failed publish, and an unhandled rejection would end the process.
    // Broadcasts queued during an outage go out when Redis is back; clients ignore posts they
    // already have (by seq) and catch up on reconnect anyway.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
    connectionName: 'harbour',
  };
  const pub = new Redis(url, options);
  const sub = pub.duplicate();
  // ioredis emits one error per failed retry; log once per outage, with no URL (it may hold a
  // password) — only the role and the error's code.
  for (const [role, client] of [
    ['publish', pub],
    ['subscribe', sub],
  ] as const) {
    let down = false;
    client.on('error', (error: Error & { code?: string }) => {
      if (down) return;
      down = true;
      log.warn({ redis: role, code: error.code ?? error.name }, 'redis connection lost');
    });
    client.on('ready', () => {
      if (down) log.info({ redis: role }, 'redis connection back');
      down = false;
    });
  }
  return {
    pub,
    sub,
    async ready() {
      if (pub.status !== 'ready' || sub.status !== 'ready') return false;
      let timer: NodeJS.Timeout | undefined;
      try {
        const pong = await Promise.race([
          pub.ping(),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error('timeout')), 1000);
          }),
        ]);
        return pong === 'PONG';
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/** Puts the Redis adapter under `io` (the link's readiness feeds /readyz). */
export function useRedisAdapter(io: Server, link: RedisLink): void {
  io.adapter(createAdapter(link.pub, link.sub, { key: 'harbour' }));
}
