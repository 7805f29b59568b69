import type { Doc } from '../../bson/values';
import type { ConnectionInfo, Engine, Reply } from '../engine';

export type CommandHandler = (
  engine: Engine,
  db: string,
  cmd: Doc,
  conn: ConnectionInfo,
) => Reply | Promise<Reply>;
