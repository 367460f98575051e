// Databases and collections: create, drop, dropDatabase, listCollections, listDatabases.
import { calculateObjectSize } from 'bson';
import { CommandError } from '../errors';
import { cursorBatchSize } from '../cursors';
import { asQuery, checkFields, collName, runMingo } from '../query';
import type { Doc } from '../storage';
import type { Command, CommandHandler } from '../types';
import { requireAdmin } from './admin';

const CREATE_REFUSED = [
  'capped', 'size', 'max', 'validator', 'validationLevel', 'validationAction', 'viewOn', 'pipeline', 'collation', 'timeseries',
  'clusteredIndex', 'expireAfterSeconds', 'changeStreamPreAndPostImages', 'storageEngine', 'indexOptionDefaults', 'encryptedFields', 'autoIndexId', 'idIndex', 'flags',
];

function create({ body, engine }: Command): Doc {
  checkFields('create', body, [], CREATE_REFUSED);
  const name = collName('create', body);
  const { created } = engine.storage.getOrCreate(String(body.$db), name);
  if (!created) throw new CommandError(48, `Collection ${body.$db}.${name} already exists.`);
  return { ok: 1 };
}

function drop({ body, engine }: Command): Doc {
  checkFields('drop', body, []);
  const name = collName('drop', body);
  const coll = engine.storage.drop(String(body.$db), name);
  // MongoDB 7.0+ answers ok for a missing collection; older servers said NamespaceNotFound, which drivers ignore.
  return coll ? { nIndexesWas: coll.indexes.length, ns: coll.ns, ok: 1 } : { ok: 1 };
}

function dropDatabase({ body, engine }: Command): Doc {
  checkFields('dropDatabase', body, []);
  const db = String(body.$db);
  engine.storage.dbs.delete(db);
  return { dropped: db, ok: 1 };
}

function listCollections({ body, engine }: Command): Doc {
  checkFields('listCollections', body, ['filter', 'nameOnly', 'authorizedCollections', 'cursor']);
  const db = String(body.$db);
  const infos: Doc[] = [...(engine.storage.dbs.get(db)?.values() ?? [])].map((c) =>
    body.nameOnly === true
      ? { name: c.name, type: 'collection' }
      : { name: c.name, type: 'collection', options: {}, info: { readOnly: false, uuid: c.uuid }, idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } },
  );
  const filtered = runMingo(() => asQuery(body.filter).find(infos).all() as Doc[]);
  return engine.cursors.reply(`${db}.$cmd.listCollections`, filtered, cursorBatchSize(body), false);
}

function listDatabases({ body, engine }: Command): Doc {
  requireAdmin('listDatabases', body);
  checkFields('listDatabases', body, ['filter', 'nameOnly', 'authorizedDatabases']);
  let totalSize = 0;
  const dbs: Doc[] = [];
  for (const [name, colls] of engine.storage.dbs) {
    let size = 0;
    for (const c of colls.values()) for (const d of c.docs.values()) size += calculateObjectSize(d);
    totalSize += size;
    dbs.push(body.nameOnly === true ? { name } : { name, sizeOnDisk: size, empty: size === 0 });
  }
  const filtered = runMingo(() => asQuery(body.filter).find(dbs).all() as Doc[]);
  return body.nameOnly === true ? { databases: filtered, ok: 1 } : { databases: filtered, totalSize, totalSizeMb: Math.floor(totalSize / 1048576), ok: 1 };
}

export const namespaceCommands: Record<string, CommandHandler> = { create, drop, dropDatabase, listCollections, listDatabases };
