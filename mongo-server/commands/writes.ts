// Bulk writes: insert, update and delete, each statement on its own, ordered or not, with writeErrors; as
// retryable writes, a statement already run is not run again.
import type { Engine } from '../engine';
import { CommandError } from '../errors';
import { FailedTransactionalWrite } from '../failpoints';
import { checkFields, collName, isPlainObject, matching } from '../query';
import { valueKey, type Doc } from '../storage';
import type { Command, CommandHandler } from '../types';
import { applyUpdate, insertOne, isReplacementUpdate, storeUpdated, upsertDoc, writeErrorFor } from '../write-ops';

/** What one statement did; a retryable write records it, and a retry of that statement returns it unchanged. */
interface Outcome {
  n: number;
  nModified?: number;
  upserted?: Doc;
}

/**
 * Runs each statement (or, for a retried retryable write, takes the recorded outcome of those already run);
 * a failure becomes a writeErrors entry and, when ordered, ends the batch. The reply's counts, as mongod's.
 */
function eachStatement(cmd: Command, statements: unknown[], run: (stmt: unknown, index: number) => Outcome): Doc {
  const writeErrors: Doc[] = [];
  const upserted: Doc[] = [];
  const retriedStmtIds: number[] = [];
  let n = 0;
  let nModified = 0;
  for (const [i, stmt] of statements.entries()) {
    let outcome = cmd.retry?.done(i) as Outcome | undefined;
    if (outcome) retriedStmtIds.push(i);
    else {
      try {
        outcome = run(stmt, i);
        cmd.retry?.record(i, outcome);
      } catch (e) {
        if (e instanceof FailedTransactionalWrite && e.closeConnection) throw e;
        writeErrors.push(writeErrorFor(i, e));
        if (cmd.body.ordered !== false) break;
        continue;
      }
    }
    n += outcome.n;
    nModified += outcome.nModified ?? 0;
    if (outcome.upserted) upserted.push(outcome.upserted);
  }
  return {
    n,
    ...(cmd.name === 'update' ? { nModified } : {}),
    ...(upserted.length ? { upserted } : {}),
    ...(retriedStmtIds.length ? { retriedStmtIds } : {}),
    ...(writeErrors.length ? { writeErrors } : {}),
    ok: 1,
  };
}

function insert(cmd: Command): Doc {
  const { body, engine } = cmd;
  checkFields('insert', body, ['documents', 'ordered', 'bypassDocumentValidation']);
  const name = collName('insert', body);
  if (!Array.isArray(body.documents)) throw new CommandError(14, "BSON field 'insert.documents' is missing or not an array");
  const { coll } = engine.storage.getOrCreate(String(body.$db), name);
  return eachStatement(cmd, body.documents, (doc) => {
    insertOne(coll, doc as Doc);
    return { n: 1 };
  });
}

interface Target {
  engine: Engine;
  db: string;
  name: string;
  retryable: boolean;
}

function updateOne({ engine, db, name, retryable }: Target, stmt: unknown, index: number): Outcome {
  if (!isPlainObject(stmt)) throw new CommandError(14, 'update statement must be an object');
  checkFields('update.updates', { 'update.updates': 1, ...stmt }, ['q', 'u', 'upsert', 'multi', 'arrayFilters', 'upsertSupplied'], ['hint', 'collation', 'c', 'sort']);
  const q = (stmt.q ?? {}) as Doc;
  const multi = stmt.multi === true;
  if (multi && retryable) throw new CommandError(72, 'Cannot use (or request) retryable writes with multi=true');
  if (multi && isReplacementUpdate(stmt.u)) throw new CommandError(9, 'multi update is not supported for replacement-style update');
  const arrayFilters = Array.isArray(stmt.arrayFilters) ? stmt.arrayFilters : undefined;
  const existing = engine.storage.get(db, name);
  let matches = matching(existing, q);
  if (!multi) matches = matches.slice(0, 1);
  if (matches.length === 0 && stmt.upsert === true) {
    const { coll } = engine.storage.getOrCreate(db, name);
    const doc = upsertDoc(coll, q, stmt.u, arrayFilters);
    return { n: 1, upserted: { index, _id: doc._id } };
  }
  let nModified = 0;
  for (const before of matches) {
    const after = applyUpdate(before, stmt.u, arrayFilters, false);
    if (storeUpdated(existing!, before, after)) nModified += 1;
  }
  return { n: matches.length, nModified };
}

function update(cmd: Command): Doc {
  const { body, engine } = cmd;
  checkFields('update', body, ['updates', 'ordered', 'bypassDocumentValidation', 'let']);
  const target: Target = { engine, db: String(body.$db), name: collName('update', body), retryable: cmd.retry !== undefined };
  if (!Array.isArray(body.updates)) throw new CommandError(14, "BSON field 'update.updates' is missing or not an array");
  return eachStatement(cmd, body.updates, (stmt, i) => updateOne(target, stmt, i));
}

function remove(cmd: Command): Doc {
  const { body, engine } = cmd;
  checkFields('delete', body, ['deletes', 'ordered', 'let']);
  const name = collName('delete', body);
  if (!Array.isArray(body.deletes)) throw new CommandError(14, "BSON field 'delete.deletes' is missing or not an array");
  const coll = engine.storage.get(String(body.$db), name);
  return eachStatement(cmd, body.deletes, (stmt) => {
    if (!isPlainObject(stmt)) throw new CommandError(14, 'delete statement must be an object');
    checkFields('delete.deletes', { 'delete.deletes': 1, ...stmt }, ['q', 'limit'], ['hint', 'collation']);
    if (stmt.limit !== 0 && stmt.limit !== 1) throw new CommandError(9, `The limit field in delete objects must be 0 or 1. Got ${String(stmt.limit)}`);
    if (stmt.limit === 0 && cmd.retry) throw new CommandError(72, 'Cannot use (or request) retryable writes with limit=0');
    let matches = matching(coll, stmt.q ?? {});
    if (stmt.limit === 1) matches = matches.slice(0, 1);
    let n = 0;
    for (const doc of matches) if (coll!.docs.delete(valueKey(doc._id))) n++;
    return { n };
  });
}

export const writeCommands: Record<string, CommandHandler> = { insert, update, delete: remove };
