/** Handshake, server information and catalog commands. */
import { Double, Int32 } from 'bson';
import { Doc, encode, isPlainObject, toNumber } from '../../bson/values';
import { compileFilter } from '../../query/match';
import { JournalOp } from '../../storage/types';
import { Collection } from '../collection';
import type { Engine } from '../engine';
import { CommandError, notSupported } from '../errors';
import { cursorOf } from './cursor-reply';
import { CommandHandler } from './types';

export const MAX_BSON_SIZE = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE = 48_000_000;
export const MAX_WRITE_BATCH = 100_000;

/** The hello reply: a standalone server (no setName, no topologyVersion: see the notes). */
export function helloReply(engine: Engine, connectionId: number, legacyName = false): Doc {
  return {
    [legacyName ? 'ismaster' : 'isWritablePrimary']: true,
    ...(legacyName ? {} : { ismaster: true }),
    helloOk: true,
    maxBsonObjectSize: new Int32(MAX_BSON_SIZE),
    maxMessageSizeBytes: new Int32(MAX_MESSAGE_SIZE),
    maxWriteBatchSize: new Int32(MAX_WRITE_BATCH),
    localTime: engine.now(),
    logicalSessionTimeoutMinutes: new Int32(30),
    connectionId: new Int32(connectionId),
    minWireVersion: new Int32(0),
    maxWireVersion: new Int32(21),
    readOnly: false,
    ok: new Double(1),
  };
}

const UNSUPPORTED_CREATE_OPTIONS = [
  'viewOn',
  'pipeline',
  'validator',
  'capped',
  'timeseries',
  'clusteredIndex',
  'expireAfterSeconds',
  'changeStreamPreAndPostImages',
  'encryptedFields',
];

const ok = (extra: Doc = {}): Doc => ({ ...extra, ok: new Double(1) });

function collName(cmd: Doc, field: string): string {
  const v = cmd[field];
  if (typeof v !== 'string' || v === '') {
    throw new CommandError(73, 'InvalidNamespace', `collection name has invalid type ${typeof v}`);
  }
  return v;
}

function sizeOf(coll: Collection): { count: number; size: number; indexSize: number } {
  let size = 0;
  for (const b of coll.docs.values()) size += b.length;
  let indexSize = coll.docs.size * 40;
  for (const i of coll.indexes.values()) indexSize += i.entries.size * 48;
  return { count: coll.docs.size, size, indexSize };
}

function collectionInfo(coll: Collection): Doc {
  return {
    name: coll.name,
    type: 'collection',
    options: coll.options,
    info: { readOnly: false },
    idIndex: { v: new Int32(2), key: { _id: new Int32(1) }, name: '_id_' },
  };
}

const hello: CommandHandler = (engine, _db, cmd, conn) =>
  helloReply(engine, conn.connectionId, !('hello' in cmd));

const buildInfo: CommandHandler = () =>
  ok({
    version: '7.0.0',
    gitVersion: 'harbour-embedded',
    versionArray: [new Int32(7), new Int32(0), new Int32(0), new Int32(0)],
    bits: new Int32(64),
    maxBsonObjectSize: new Int32(MAX_BSON_SIZE),
    storageEngines: ['harbour'],
  });

export const ADMIN_COMMANDS: Record<string, CommandHandler> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: () => ok(),
  buildInfo,
  // The driver's admin().buildInfo() sends the lower-case spelling.
  buildinfo: buildInfo,
  getParameter: (_e, _db, cmd) => {
    const out: Doc = {};
    if ('featureCompatibilityVersion' in cmd) out.featureCompatibilityVersion = { version: '7.0' };
    return ok(out);
  },
  getCmdLineOpts: () => ok({ argv: ['harbour-embedded'], parsed: {} }),
  hostInfo: () => ok({ system: { currentTime: new Date(), hostname: 'localhost' } }),
  whatsmyuri: () => ok({ you: '127.0.0.1' }),
  connectionStatus: () => ok({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] } }),
  endSessions: () => ok(),
  killSessions: () => ok(),
  refreshSessions: () => ok(),
  killAllSessions: () => ok(),
  startSession: () => ok(),
  commitTransaction: () => {
    throw new CommandError(
      20,
      'IllegalOperation',
      'Transaction numbers are only allowed on a replica set member or mongos',
    );
  },
  abortTransaction: () => {
    throw new CommandError(
      20,
      'IllegalOperation',
      'Transaction numbers are only allowed on a replica set member or mongos',
    );
  },
  mapReduce: () => {
    throw new CommandError(
      115,
      'CommandNotSupported',
      "mapReduce is not supported by Harbour's embedded database engine",
    );
  },
  serverStatus: (engine) =>
    ok({
      host: 'localhost',
      version: '7.0.0',
      process: 'harbour-embedded',
      uptime: new Double(process.uptime()),
      localTime: engine.now(),
      opcounters: { ...engine.opcounters },
      engineStats: { ...engine.stats() },
    }),
  listDatabases: (engine, _db, cmd) => {
    const databases = [...engine.dbs.entries()].map(([name, colls]) => {
      let size = 0;
      for (const c of colls.values()) size += sizeOf(c).size;
      return { name, sizeOnDisk: new Double(size), empty: colls.size === 0 };
    });
    const filtered = isPlainObject(cmd.filter)
      ? databases.filter((d) => compileFilter(cmd.filter as Doc)(d))
      : databases;
    if (cmd.nameOnly) return ok({ databases: filtered.map((d) => ({ name: d.name })) });
    return ok({
      databases: filtered,
      totalSize: new Double(filtered.reduce((s, d) => s + toNumber(d.sizeOnDisk), 0)),
    });
  },
  dropDatabase: (engine, db) => {
    const existed = engine.dbs.delete(db);
    const ops: JournalOp[] = existed ? [{ op: 'dropDatabase', db }] : [];
    return engine.commit(ops).then(() => ok({ dropped: db }));
  },
  create: (engine, db, cmd) => {
    const name = collName(cmd, 'create');
    if (engine.collection(db, name)) {
      throw new CommandError(48, 'NamespaceExists', `Collection ${db}.${name} already exists.`);
    }
    // Options that would change behaviour are refused rather than stored and ignored.
    for (const option of UNSUPPORTED_CREATE_OPTIONS) {
      if (cmd[option] !== undefined && cmd[option] !== false) {
        throw notSupported(`The collection option '${option}'`);
      }
    }
    const options: Doc = {};
    for (const [k, v] of Object.entries(cmd)) {
      if (k !== 'create' && !k.startsWith('$') && k !== 'lsid' && k !== 'writeConcern')
        options[k] = v;
    }
    const ops: JournalOp[] = [];
    engine.ensureCollection(db, name, ops, options);
    return engine.commit(ops).then(() => ok());
  },
  drop: (engine, db, cmd) => {
    const name = collName(cmd, 'drop');
    const coll = engine.collection(db, name);
    if (!coll) return ok({ ns: `${db}.${name}` });
    const nIndexesWas = coll.indexes.size + 1;
    engine.dropCollectionInMemory(db, name);
    return engine
      .commit([{ op: 'dropCollection', db, coll: name }])
      .then(() => ok({ ns: `${db}.${name}`, nIndexesWas: new Int32(nIndexesWas) }));
  },
  listCollections: (engine, db, cmd) => {
    const colls = [...(engine.dbs.get(db)?.values() ?? [])];
    let infos = colls.map(collectionInfo);
    if (isPlainObject(cmd.filter)) {
      const m = compileFilter(cmd.filter);
      infos = infos.filter((i) => m(i));
    }
    if (cmd.nameOnly) infos = infos.map((i) => ({ name: i.name, type: i.type }));
    return cursorOf(engine, `${db}.$cmd.listCollections`, infos.map(encode), cmd.cursor);
  },
  renameCollection: (engine, _db, cmd) => {
    const from = String(cmd.renameCollection);
    const to = String(cmd.to);
    const [fromDb, ...fromRest] = from.split('.');
    const [toDb, ...toRest] = to.split('.');
    const fromName = fromRest.join('.');
    const toName = toRest.join('.');
    if (!fromDb || !toDb || !fromName || !toName)
      throw new CommandError(73, 'InvalidNamespace', 'Invalid namespace');
    if (!engine.collection(fromDb, fromName)) {
      throw new CommandError(
        26,
        'NamespaceNotFound',
        'Source collection ' + from + ' does not exist',
      );
    }
    if (engine.collection(toDb, toName) && !cmd.dropTarget) {
      throw new CommandError(48, 'NamespaceExists', 'target namespace exists');
    }
    engine.renameInMemory(fromDb, fromName, toDb, toName);
    return engine
      .commit([{ op: 'renameCollection', db: fromDb, from: fromName, toDb, to: toName }])
      .then(() => ok());
  },
  dbStats: (engine, db) => {
    const colls = [...(engine.dbs.get(db)?.values() ?? [])];
    let objects = 0;
    let dataSize = 0;
    let indexes = 0;
    let indexSize = 0;
    for (const c of colls) {
      const s = sizeOf(c);
      objects += s.count;
      dataSize += s.size;
      indexSize += s.indexSize;
      indexes += c.indexes.size + 1;
    }
    return ok({
      db,
      collections: new Int32(colls.length),
      views: new Int32(0),
      objects: new Int32(objects),
      avgObjSize: new Double(objects ? dataSize / objects : 0),
      dataSize: new Double(dataSize),
      storageSize: new Double(dataSize),
      indexes: new Int32(indexes),
      indexSize: new Double(indexSize),
      totalSize: new Double(dataSize + indexSize),
      scaleFactor: new Int32(1),
    });
  },
  collStats: (engine, db, cmd) => {
    const name = collName(cmd, 'collStats');
    const coll = engine.collection(db, name);
    if (!coll) {
      throw new CommandError(26, 'NamespaceNotFound', `Collection [${db}.${name}] not found.`);
    }
    const s = sizeOf(coll);
    const indexSizes: Doc = { _id_: new Double(coll.docs.size * 40) };
    for (const i of coll.indexes.values()) indexSizes[i.name] = new Double(i.entries.size * 48);
    return ok({
      ns: coll.ns,
      count: new Int32(s.count),
      size: new Double(s.size),
      avgObjSize: new Double(s.count ? s.size / s.count : 0),
      storageSize: new Double(s.size),
      nindexes: new Int32(coll.indexes.size + 1),
      totalIndexSize: new Double(s.indexSize),
      indexSizes,
    });
  },
  collMod: (engine, db, cmd) => {
    const name = collName(cmd, 'collMod');
    const coll = engine.collection(db, name);
    if (!coll) throw new CommandError(26, 'NamespaceNotFound', `ns does not exist: ${db}.${name}`);
    const ops: JournalOp[] = [];
    if (isPlainObject(cmd.index)) {
      const want = cmd.index;
      const index = [...coll.indexes.values()].find((i) =>
        typeof want.name === 'string'
          ? i.name === want.name
          : JSON.stringify(i.spec.key) === JSON.stringify(want.keyPattern),
      );
      if (!index) throw new CommandError(27, 'IndexNotFound', 'cannot find index for collMod');
      const spec = { ...index.spec };
      if (want.expireAfterSeconds !== undefined) spec.expireAfterSeconds = want.expireAfterSeconds;
      coll.indexes.delete(index.name);
      coll.addIndex(spec, false);
      ops.push({ op: 'createIndex', db, coll: name, spec: encode(spec) });
    }
    return engine.commit(ops).then(() => ok());
  },
};
