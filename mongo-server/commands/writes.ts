// Bulk writes: insert, update and delete, each statement on its own, ordered or not, with writeErrors.
import type { Engine } from '../engine';
import { CommandError } from '../errors';
import { checkFields, collName, isPlainObject, matching } from '../query';
import { valueKey, type Doc } from '../storage';
import type { Command, CommandHandler } from '../types';
import { applyUpdate, insertOne, isReplacementUpdate, storeUpdated, upsertDoc, writeErrorFor } from '../write-ops';

/** Runs each statement; a failure becomes a writeErrors entry and, when ordered, ends the batch. */
function eachStatement(statements: unknown[], ordered: boolean, run: (stmt: unknown, index: number) => void): Doc[] {
  const writeErrors: Doc[] = [];
  for (const [i, stmt] of statements.entries()) {
    try {
      run(stmt, i);
    } catch (e) {
      writeErrors.push(writeErrorFor(i, e));
      if (ordered) break;
    }
  }
  return writeErrors;
}

const withWriteErrors = (writeErrors: Doc[]) => (writeErrors.length ? { writeErrors } : {});

function insert({ body, engine }: Command): Doc {
  checkFields('insert', body, ['documents', 'ordered', 'bypassDocumentValidation']);
  const name = collName('insert', body);
  if (!Array.isArray(body.documents)) throw new CommandError(14, "BSON field 'insert.documents' is missing or not an array");
  let n = 0;
  const { coll } = engine.storage.getOrCreate(String(body.$db), name);
  const writeErrors = eachStatement(body.documents, body.ordered !== false, (doc) => {
    insertOne(coll, doc as Doc);
    n++;
  });
  return { n, ...withWriteErrors(writeErrors), ok: 1 };
}

interface UpdateCounts {
  n: number;
  nModified: number;
  upserted: Doc[];
}

interface Target {
  engine: Engine;
  db: string;
  name: string;
}

function updateOne({ engine, db, name }: Target, stmt: unknown, index: number, counts: UpdateCounts): void {
  if (!isPlainObject(stmt)) throw new CommandError(14, 'update statement must be an object');
  checkFields('update.updates', { 'update.updates': 1, ...stmt }, ['q', 'u', 'upsert', 'multi', 'arrayFilters', 'upsertSupplied'], ['hint', 'collation', 'c', 'sort']);
  const q = (stmt.q ?? {}) as Doc;
  const multi = stmt.multi === true;
  if (multi && isReplacementUpdate(stmt.u)) throw new CommandError(9, 'multi update is not supported for replacement-style update');
  const arrayFilters = Array.isArray(stmt.arrayFilters) ? stmt.arrayFilters : undefined;
  const existing = engine.storage.get(db, name);
  let matches = matching(existing, q);
  if (!multi) matches = matches.slice(0, 1);
  if (matches.length === 0 && stmt.upsert === true) {
    const { coll } = engine.storage.getOrCreate(db, name);
    const doc = upsertDoc(coll, q, stmt.u, arrayFilters);
    counts.n += 1;
    counts.upserted.push({ index, _id: doc._id });
    return;
  }
  for (const before of matches) {
    const after = applyUpdate(before, stmt.u, arrayFilters, false);
    counts.n += 1;
    if (storeUpdated(existing!, before, after)) counts.nModified += 1;
  }
}

function update({ body, engine }: Command): Doc {
  checkFields('update', body, ['updates', 'ordered', 'bypassDocumentValidation', 'let']);
  const target: Target = { engine, db: String(body.$db), name: collName('update', body) };
  if (!Array.isArray(body.updates)) throw new CommandError(14, "BSON field 'update.updates' is missing or not an array");
  const counts: UpdateCounts = { n: 0, nModified: 0, upserted: [] };
  const writeErrors = eachStatement(body.updates, body.ordered !== false, (stmt, i) => updateOne(target, stmt, i, counts));
  const { n, nModified, upserted } = counts;
  return { n, nModified, ...(upserted.length ? { upserted } : {}), ...withWriteErrors(writeErrors), ok: 1 };
}

function remove({ body, engine }: Command): Doc {
  checkFields('delete', body, ['deletes', 'ordered', 'let']);
  const name = collName('delete', body);
  if (!Array.isArray(body.deletes)) throw new CommandError(14, "BSON field 'delete.deletes' is missing or not an array");
  const coll = engine.storage.get(String(body.$db), name);
  let n = 0;
  const writeErrors = eachStatement(body.deletes, body.ordered !== false, (stmt) => {
    if (!isPlainObject(stmt)) throw new CommandError(14, 'delete statement must be an object');
    checkFields('delete.deletes', { 'delete.deletes': 1, ...stmt }, ['q', 'limit'], ['hint', 'collation']);
    if (stmt.limit !== 0 && stmt.limit !== 1) throw new CommandError(9, `The limit field in delete objects must be 0 or 1. Got ${String(stmt.limit)}`);
    let matches = matching(coll, stmt.q ?? {});
    if (stmt.limit === 1) matches = matches.slice(0, 1);
    for (const doc of matches) if (coll!.docs.delete(valueKey(doc._id))) n++;
  });
  return { n, ...withWriteErrors(writeErrors), ok: 1 };
}

export const writeCommands: Record<string, CommandHandler> = { insert, update, delete: remove };
