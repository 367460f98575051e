// findAndModify: one document found (first by sort), then removed, updated or upserted, returned before or after.
import { Query } from 'mingo';
import { CommandError } from '../errors';
import { projectDocs } from '../projection';
import { checkFields, collName, matching, runMingo } from '../query';
import { valueKey, type Doc } from '../storage';
import type { Command, CommandHandler } from '../types';
import { applyUpdate, storeUpdated, upsertDoc } from '../write-ops';

const FIELDS = ['query', 'sort', 'remove', 'update', 'new', 'fields', 'upsert', 'bypassDocumentValidation', 'arrayFilters', 'let'];

function checkMode(body: Doc): boolean {
  const remove = body.remove === true;
  if (remove && body.update !== undefined) throw new CommandError(9, 'Cannot specify both an update and remove=true');
  if (!remove && body.update === undefined) throw new CommandError(9, 'Either an update or remove=true must be specified');
  if (remove && (body.upsert === true || body.new === true)) throw new CommandError(9, 'Cannot specify both upsert=true and remove=true');
  return remove;
}

function findAndModify({ name: cmd, body, engine }: Command): Doc {
  checkFields(cmd, body, FIELDS, ['hint', 'collation']);
  const name = collName(cmd, body);
  const db = String(body.$db);
  const remove = checkMode(body);
  const q = (body.query ?? {}) as Doc;
  const existing = engine.storage.get(db, name);
  let matches = matching(existing, q);
  if (body.sort && Object.keys(body.sort).length) matches = runMingo(() => new Query({}, {}).find(matches).sort(body.sort).all() as Doc[]);
  const target = matches[0];
  const project = (doc: Doc | undefined): Doc | null => {
    if (!doc) return null;
    if (!body.fields || !Object.keys(body.fields).length) return doc;
    return projectDocs([doc], body.fields)[0];
  };
  if (remove) {
    if (target) existing!.docs.delete(valueKey(target._id));
    return { lastErrorObject: { n: target ? 1 : 0 }, value: project(target), ok: 1 };
  }
  const arrayFilters = Array.isArray(body.arrayFilters) ? body.arrayFilters : undefined;
  if (!target) {
    if (body.upsert !== true) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
    const { coll } = engine.storage.getOrCreate(db, name);
    const doc = upsertDoc(coll, q, body.update, arrayFilters);
    return { lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id }, value: body.new === true ? project(doc) : null, ok: 1 };
  }
  const after = applyUpdate(target, body.update, arrayFilters, false);
  storeUpdated(existing!, target, after);
  return { lastErrorObject: { n: 1, updatedExisting: true }, value: project(body.new === true ? after : target), ok: 1 };
}

export const findAndModifyCommands: Record<string, CommandHandler> = { findAndModify, findandmodify: findAndModify };
