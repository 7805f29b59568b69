import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { systemClock } from './clock';
import { ConfigError, loadConfig, type Config } from './config';
import { connectDatabase } from './database';
import type { Deps } from './deps';
import { DomainEvents } from './events';
import { applyServerLimits } from './http/server-limits';
import { appKit } from './http/app-kit';
import { createLogger } from './logger';
import { createMailer } from './mail';
import { createServices } from './services';
import { startSanctionSweep } from './services/sanction-sweep';
import { ensureDefaultDocuments } from './services/consent';
import { attachBroadcasters, createSocketServer } from './sockets';
import { attachBenchStats } from './bench-stats';
import { createRedisLink, useRedisAdapter } from './sockets/redis-adapter';
import { startScheduler } from './services/scheduler';
import { stopGracefully } from './shutdown';

const SHUTDOWN_LIMIT_MS = 9_000;

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      // One clear line, no stack: the operator fixes the named variable and starts again.
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const log = createLogger(config);
  // Every log line carries `instance` (INSTANCE_ID, or the pid); this one says it plainly.
  log.info({ env: config.env, instanceId: config.instanceId }, 'Harbour starting');

  // MONGODB_URI, or the embedded engine; also hardens mongoose (sanitizeFilter, strictQuery).
  const database = await connectDatabase({
    mongodbUri: config.mongodbUri,
    dataDir: config.dataDir,
    log,
  });

  const deps: Deps = {
    config,
    clock: systemClock,
    log,
    events: new DomainEvents(),
    mailer: createMailer(config, systemClock, log),
  };
  const services = createServices(deps);
  // Default terms of use and privacy notice, before anyone can be asked to accept them.
  await ensureDefaultDocuments(deps);
  // With REDIS_URL, several instances share socket rooms; without it, one instance as before.
  const redis = config.redisUrl ? createRedisLink(config.redisUrl, log) : null;
  let draining = false;
  const app = createApp(deps, services, {
    ...(redis ? { readiness: { redis: () => redis.ready() } } : {}),
    draining: () => draining,
  });
  const server = http.createServer(app);
  // Slow or stalled clients must not hold connections open.
  applyServerLimits(server);
  const io = createSocketServer(server, deps, services, appKit(app));
  if (redis) {
    useRedisAdapter(io, redis);
    log.info({ event: 'socket_adapter', adapter: 'redis' }, 'sockets shared through Redis');
  }
  const detachBroadcasters = attachBroadcasters(io, deps);
  // Sanctions are enforced by their end dates on every request; this sweep only clears expired
  // ones and tells live clients, once a minute.
  const stopSweep = startSanctionSweep(deps, services, log, 60_000);
  const detach = () => {
    stopSweep();
    detachBroadcasters();
  };
  // Only with HARBOUR_BENCH_STATS=1 and an IPC channel (the benchmark harness); a no-op otherwise.
  attachBenchStats(() => io.engine.clientsCount);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, url: config.publicUrl }, 'Harbour is listening');
  // Background jobs (retention, digests, exports), each under a database lease.
  const stopScheduler = startScheduler(deps, services);

  const setupLink = await services.accounts.createSetupLinkIfNeeded();
  if (setupLink) {
    process.stdout.write(
      [
        '',
        'No administrator yet. Open this one-time link to create the first one',
        '(it works once and expires in 24 hours; restart Harbour for a new one):',
        '',
        `  ${setupLink}`,
        '',
      ].join('\n') + '\n',
    );
  } else {
    process.stdout.write(`Harbour is running at ${config.publicUrl}\n`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    try {
      stopScheduler();
      // Requests and socket events already sent are answered; see server/shutdown.ts.
      await stopGracefully({
        server,
        io,
        log,
        drainMs: config.shutdownDrainMs,
        startDraining: () => (draining = true),
      });
      detach();
      // Deliveries already reading the database finish before it closes (no failed broadcasts).
      await deps.events.settled();
      await redis?.close();
      await database.close();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Harbour could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
