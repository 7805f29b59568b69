/** Starts an in-process engine on a random port for one test file. */
import { MongoClient } from 'mongodb';
import { Engine } from '../../server/database/embedded/core/engine';
import { memoryDurable } from '../../server/database/embedded/storage/memory';
import { JournalOp } from '../../server/database/embedded/storage/types';
import { startWireServer } from '../../server/database/embedded/wire/server';

export interface Harness {
  engine: Engine;
  port: number;
  uri: string;
  client: MongoClient;
  commits: JournalOp[][];
  events: Array<{ event: string; fields?: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startHarness(now?: () => Date): Promise<Harness> {
  const commits: JournalOp[][] = [];
  const events: Harness['events'] = [];
  const engine = new Engine({ durable: memoryDurable(commits), now });
  const server = await startWireServer(engine, {
    host: '127.0.0.1',
    port: 0,
    log: (event, fields) => events.push({ event, fields }),
  });
  const uri = `mongodb://127.0.0.1:${server.port}/test`;
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 3000 });
  await client.connect();
  return {
    engine,
    port: server.port,
    uri,
    client,
    commits,
    events,
    close: async () => {
      await client.close();
      engine.stop();
      await server.close();
    },
  };
}
