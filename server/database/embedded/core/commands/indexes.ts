/** createIndexes, listIndexes, dropIndexes. */
import { Double, Int32 } from 'bson';
import { Doc, encode, isNumber, isPlainObject, toNumber, valuesEqual } from '../../bson/values';
import { IndexSpec } from '../../index/index';
import { JournalOp } from '../../storage/types';
import { ID_INDEX_NAME } from '../collection';
import { CommandError, badValue } from '../errors';
import { cursorOf } from './cursor-reply';
import { CommandHandler } from './types';

const OPTION_KEYS = [
  'unique',
  'sparse',
  'expireAfterSeconds',
  'partialFilterExpression',
  'collation',
  'hidden',
];
/** Options that do not change what an index holds; two specs differing only here are the same. */
const IGNORED = new Set(['background', 'v', 'name', 'key', 'ns', 'dropDups']);

function defaultName(key: Doc): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${isNumber(v) ? toNumber(v) : String(v)}`)
    .join('_');
}

function normalise(raw: Doc): IndexSpec {
  if (!isPlainObject(raw.key) || Object.keys(raw.key).length === 0) {
    throw new CommandError(67, 'CannotCreateIndex', "The 'key' field must be a non-empty object");
  }
  for (const [field, dir] of Object.entries(raw.key)) {
    if (typeof dir === 'string') {
      throw new CommandError(
        67,
        'CannotCreateIndex',
        `Index type '${dir}' on field '${field}' is not supported by Harbour's embedded database engine`,
      );
    }
    if (!isNumber(dir) || toNumber(dir) === 0)
      throw new CommandError(
        67,
        'CannotCreateIndex',
        `Values in the index key pattern must be non-zero numbers: ${field}`,
      );
  }
  const spec: IndexSpec = {
    v: new Int32(2),
    key: raw.key,
    name: typeof raw.name === 'string' ? raw.name : defaultName(raw.key),
  };
  for (const [k, v] of Object.entries(raw)) {
    if (IGNORED.has(k)) continue;
    if (
      !OPTION_KEYS.includes(k) &&
      !k.startsWith('textIndex') &&
      k !== 'weights' &&
      k !== 'default_language' &&
      k !== 'language_override'
    ) {
      throw new CommandError(
        197,
        'InvalidIndexSpecificationOption',
        `The field '${k}' is not valid for an index specification.`,
      );
    }
    if (k === 'weights' || k === 'default_language' || k === 'language_override') {
      throw new CommandError(
        67,
        'CannotCreateIndex',
        "Text indexes are not supported by Harbour's embedded database engine",
      );
    }
    spec[k] = v;
  }
  if (spec.expireAfterSeconds !== undefined && Object.keys(spec.key).length !== 1) {
    throw new CommandError(
      67,
      'CannotCreateIndex',
      'TTL indexes are single-field indexes, compound indexes do not support TTL',
    );
  }
  return spec;
}

function sameOptions(a: Doc, b: Doc): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !IGNORED.has(k)));
  for (const k of keys) if (!valuesEqual(a[k] ?? null, b[k] ?? null)) return false;
  return true;
}

export const INDEX_COMMANDS: Record<string, CommandHandler> = {
  createIndexes: (engine, db, cmd) => {
    const name = String(cmd.createIndexes);
    if (!Array.isArray(cmd.indexes) || cmd.indexes.length === 0)
      throw badValue('Must specify at least one index to create');
    const specs = (cmd.indexes as Doc[]).map(normalise);
    const ops: JournalOp[] = [];
    const existedBefore = engine.collection(db, name) !== undefined;
    const coll = engine.ensureCollection(db, name, ops);
    const before = coll.indexes.size + 1;
    let created = 0;
    for (const spec of specs) {
      const sameKey = [...coll.indexes.values()].find((i) => valuesEqual(i.spec.key, spec.key));
      const sameName = coll.indexes.get(spec.name);
      if (
        spec.name === ID_INDEX_NAME ||
        (Object.keys(spec.key).length === 1 &&
          '_id' in spec.key &&
          !spec.unique &&
          !spec.sparse &&
          !spec.partialFilterExpression)
      ) {
        continue;
      }
      if (sameName) {
        if (valuesEqual(sameName.spec.key, spec.key) && sameOptions(sameName.spec, spec)) continue;
        throw new CommandError(
          86,
          'IndexKeySpecsConflict',
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName.spec)}`,
        );
      }
      if (sameKey) {
        if (sameOptions(sameKey.spec, spec)) {
          throw new CommandError(
            85,
            'IndexOptionsConflict',
            `Index already exists with a different name: ${sameKey.name}`,
          );
        }
        throw new CommandError(
          85,
          'IndexOptionsConflict',
          `An equivalent index already exists with a different name and options. Requested index: ${JSON.stringify(spec.key)}, existing index: ${sameKey.name}`,
        );
      }
      coll.addIndex(spec);
      ops.push({ op: 'createIndex', db, coll: name, spec: encode(spec) });
      created++;
    }
    const reply: Doc = {
      numIndexesBefore: new Int32(before),
      numIndexesAfter: new Int32(coll.indexes.size + 1),
      createdCollectionAutomatically: !existedBefore,
      ok: new Double(1),
    };
    if (created === 0) reply.note = 'all indexes already exist';
    return engine.commit(ops).then(() => reply);
  },
  listIndexes: (engine, db, cmd) => {
    const name = String(cmd.listIndexes);
    const coll = engine.collection(db, name);
    if (!coll) throw new CommandError(26, 'NamespaceNotFound', `ns does not exist: ${db}.${name}`);
    return cursorOf(engine, `${db}.${name}`, coll.indexSpecs().map(encode), cmd.cursor);
  },
  dropIndexes: (engine, db, cmd) => {
    const name = String(cmd.dropIndexes ?? cmd.deleteIndexes);
    const coll = engine.collection(db, name);
    if (!coll) throw new CommandError(26, 'NamespaceNotFound', `ns not found ${db}.${name}`);
    const nIndexesWas = coll.indexes.size + 1;
    const want = cmd.index;
    let names: string[];
    if (want === '*') names = [...coll.indexes.keys()];
    else if (typeof want === 'string') names = [want];
    else if (Array.isArray(want)) names = want.map(String);
    else if (isPlainObject(want)) {
      const found = [...coll.indexes.values()].find((i) => valuesEqual(i.spec.key, want));
      if (!found)
        throw new CommandError(
          27,
          'IndexNotFound',
          `can't find index with key: ${JSON.stringify(want)}`,
        );
      names = [found.name];
    } else throw badValue('index must be a name, key pattern, list of names or "*"');
    for (const n of names) {
      if (n === ID_INDEX_NAME)
        throw new CommandError(72, 'InvalidOptions', 'cannot drop _id index');
      if (!coll.indexes.has(n))
        throw new CommandError(27, 'IndexNotFound', `index not found with name [${n}]`);
    }
    const ops: JournalOp[] = names.map((n) => {
      coll.indexes.delete(n);
      return { op: 'dropIndex', db, coll: name, name: n };
    });
    return engine
      .commit(ops)
      .then(() => ({ nIndexesWas: new Int32(nIndexesWas), ok: new Double(1) }));
  },
};
