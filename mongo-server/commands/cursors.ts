// getMore and killCursors, over the cursors find, aggregate and the list commands leave open.
import { Long } from 'bson';
import { CommandError, badValue } from '../errors';
import { takeBatch } from '../cursors';
import { checkFields, optionalInt, toBigInt } from '../query';
import type { Doc } from '../storage';
import type { Command, CommandHandler } from '../types';

function getMore({ body, engine }: Command): Doc {
  checkFields('getMore', body, ['collection', 'batchSize', 'term', 'lastKnownCommittedOpTime']);
  const id = toBigInt(body.getMore);
  const key = id.toString();
  const state = engine.cursors.get(key);
  if (!state) throw new CommandError(43, `cursor id ${key} not found`);
  const ns = `${body.$db}.${String(body.collection)}`;
  if (ns !== state.ns) throw new CommandError(13, `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${state.ns}`);
  state.lastUsed = Date.now();
  const batch = takeBatch(state, optionalInt('getMore', body, 'batchSize') || undefined);
  const done = state.pos >= state.docs.length;
  if (done) engine.cursors.delete(key);
  return { cursor: { id: done ? Long.ZERO : Long.fromBigInt(id), ns: state.ns, nextBatch: batch }, ok: 1 };
}

function killCursors({ body, engine }: Command): Doc {
  checkFields('killCursors', body, ['cursors']);
  if (!Array.isArray(body.cursors)) throw badValue("'cursors' must be an array");
  const killed: Long[] = [];
  const notFound: Long[] = [];
  for (const c of body.cursors) {
    const id = toBigInt(c);
    if (engine.cursors.delete(id.toString())) killed.push(Long.fromBigInt(id));
    else notFound.push(Long.fromBigInt(id));
  }
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
}

export const cursorCommands: Record<string, CommandHandler> = { getMore, killCursors };
