// The replica set's one oplog: entries the primary appends and every secondary applies in order. A member's
// progress is how many entries it has applied; an entry holds the changes that must apply together (a write
// statement and the record that makes its retry a no-op).
import { Long, Timestamp } from 'bson';
import type { Doc, StorageChange } from '../storage';

/** A retryable write's statement result, kept so that a retry (on any member that becomes primary) is not applied twice. */
export interface TxnChange {
  op: 'txn';
  lsid: string;
  txnNumber: bigint;
  stmt: number;
  result: Doc;
}

export type OplogChange = StorageChange | TxnChange | { op: 'noop'; msg: string };

export interface OplogEntry {
  ts: Timestamp;
  term: number;
  wall: Date;
  changes: OplogChange[];
}

export class Oplog {
  readonly entries: OplogEntry[] = [];
  private increment = 0;

  get length(): number {
    return this.entries.length;
  }

  append(changes: OplogChange[], term: number): number {
    const wall = new Date();
    // Timestamps only grow, even across a rollback that drops entries: (seconds, increment) as mongod's.
    this.increment += 1;
    this.entries.push({ ts: new Timestamp({ t: Math.floor(wall.getTime() / 1000), i: this.increment }), term, wall, changes });
    return this.entries.length;
  }

  /** Drops the entries past `length` (those only a rolled-back member had applied). */
  truncate(length: number): void {
    this.entries.length = Math.min(this.entries.length, length);
  }

  /** The optime `{ts, t}` after `count` entries, as hello's lastWrite and replSetGetStatus report it. */
  opTime(count: number): Doc {
    const entry = this.entries[count - 1];
    return entry ? { ts: entry.ts, t: Long.fromNumber(entry.term) } : { ts: new Timestamp({ t: 0, i: 0 }), t: Long.fromNumber(-1) };
  }

  wallTime(count: number): Date {
    return this.entries[count - 1]?.wall ?? new Date(0);
  }
}
