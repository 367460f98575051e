// Write concern on a replica set: how many members must have applied a write before it is acknowledged, and
// the writeConcernError a reply carries when that cannot be had (mongod's codes and messages).
import { CommandError } from '../errors';
import { isPlainObject } from '../query';
import type { Doc } from '../storage';

export interface WriteConcern {
  /** Members (the primary included) that must have applied the write; 0 is unacknowledged. */
  w: number | 'majority' | string;
  wtimeout: number;
  /** As mongod reports it in errInfo. */
  spec: Doc;
}

/** The command's write concern; without a `w`, a replica set's implicit default (MongoDB 5.0+) is majority. */
export function writeConcernOf(body: Doc): WriteConcern {
  const given = body.writeConcern;
  if (given !== undefined && !isPlainObject(given)) throw new CommandError(14, "BSON field 'writeConcern' is the wrong type, expected type 'object'");
  const wc = (given ?? {}) as Doc;
  const wtimeout = typeof wc.wtimeout === 'number' ? wc.wtimeout : Number(wc.wtimeout ?? 0);
  if (wc.w === undefined) return { w: 'majority', wtimeout, spec: { w: 'majority', wtimeout, provenance: 'implicitDefault' } };
  const w = wc.w;
  if (typeof w === 'number' && (w < 0 || w > 50 || !Number.isInteger(w))) throw new CommandError(9, `w has to be a non-negative number and not greater than 50; found: ${w}`);
  if (typeof w !== 'number' && typeof w !== 'string') throw new CommandError(9, 'w has to be a number or a string');
  return { w, wtimeout, spec: { w, wtimeout, provenance: 'clientSupplied' } };
}

/** How many members must have the write, or the writeConcernError saying why no number will do. */
export function membersNeeded(wc: WriteConcern, members: number): number | Doc {
  if (wc.w === 'majority') return Math.floor(members / 2) + 1;
  if (typeof wc.w === 'string') {
    return { code: 79, codeName: 'UnknownReplWriteConcern', errmsg: `No write concern mode named '${wc.w}' found in replica set configuration`, errInfo: { writeConcern: wc.spec } };
  }
  if (wc.w > members) {
    return { code: 100, codeName: 'UnsatisfiableWriteConcern', errmsg: 'Not enough data-bearing nodes', errInfo: { writeConcern: wc.spec } };
  }
  return wc.w;
}

export const wtimeoutError = (wc: WriteConcern): Doc => ({
  code: 64,
  codeName: 'WriteConcernFailed',
  errmsg: 'waiting for replication timed out',
  errInfo: { wtimeout: true, writeConcern: wc.spec },
});

export const steppedDownError = (): Doc => ({
  code: 189,
  codeName: 'PrimarySteppedDown',
  errmsg: 'Primary stepped down while waiting for replication',
});
