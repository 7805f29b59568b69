/**
 * `npm run cluster`: Harbour as several instances behind a round-robin proxy, on one machine.
 * Starts the database (the embedded engine, or MONGODB_URI), a local redis-server (or REDIS_URL),
 * CLUSTER_INSTANCES app instances (default 3) and the proxy on CLUSTER_PORT (default 8080);
 * Ctrl-C stops them all. An operator's proof that nothing needs sticky sessions.
 */
import { startCluster } from './cluster';

async function main(): Promise<void> {
  const instances = Number(process.env.CLUSTER_INSTANCES ?? 3);
  const proxyPort = Number(process.env.CLUSTER_PORT ?? 8080);
  if (!Number.isInteger(instances) || instances < 1 || instances > 16) {
    throw new Error('CLUSTER_INSTANCES must be a whole number from 1 to 16');
  }
  const verbose = process.env.CLUSTER_VERBOSE === '1';
  let started = false;
  process.stdout.write(`Starting database, Redis and ${instances} instances...\n`);
  const cluster = await startCluster({
    instances,
    proxyPort,
    mongodbUri: process.env.MONGODB_URI,
    redisUrl: process.env.REDIS_URL,
    entry: process.env.CLUSTER_ENTRY === 'dist' ? 'dist' : 'tsx',
    env: process.env.LOG_LEVEL ? { LOG_LEVEL: process.env.LOG_LEVEL } : {},
    // Instance logs are JSON lines tagged with their instance id: errors always shown, the rest
    // with CLUSTER_VERBOSE=1. Start-up text (each instance's first-run link) is summed up below.
    onLine: (i, line) => {
      const isError = /^\{"level":(50|60)/.test(line);
      if (verbose || isError || (started && !line.startsWith('{'))) {
        process.stdout.write(`[i${i + 1}] ${line}\n`);
      }
    },
  });
  started = true;
  process.stdout.write(
    [
      '',
      `Harbour cluster is running at ${cluster.proxyUrl}`,
      ...cluster.instances.map((x) => `  instance ${x.id}: ${x.url} (pid ${x.pid})`),
      `  database: ${cluster.mongodbUri.replace(/\/\/[^@/]*@/, '//')}`,
      `  redis: ${cluster.redisUrl ?? 'none'}`,
      ...(cluster.setupLink
        ? ['', 'First administrator (one-time link):', `  ${cluster.setupLink}`]
        : []),
      '',
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping...\n');
    cluster
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `The cluster could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
