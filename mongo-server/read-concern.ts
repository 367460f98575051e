// Read concern as mongod checks it before running a command: which levels a node of each kind serves, with
// mongod's errors for the rest. This server has no snapshots: every level it accepts reads the node's latest data
// (what 'majority' returns too once the majority has applied it).
import { CommandError, badValue } from './errors';
import { isPlainObject } from './query';
import type { Doc } from './storage';

export type NodeKind = 'standalone' | 'primary' | 'secondary';

const LEVELS = new Set(['local', 'available', 'majority', 'linearizable', 'snapshot']);
/** Commands that take readConcern 'snapshot' outside a transaction (MongoDB 5.0+, replica sets). */
const SNAPSHOT_COMMANDS = new Set(['find', 'aggregate', 'distinct']);

const NOT_A_REPLICA_SET = 123;

export function checkReadConcern(cmdName: string, body: Doc, node: NodeKind): void {
  const rc = body.readConcern;
  if (rc === undefined) return;
  if (!isPlainObject(rc)) throw new CommandError(14, "BSON field 'readConcern' is the wrong type, expected type 'object'");
  const level = rc.level ?? 'local';
  if (typeof level !== 'string') throw new CommandError(14, "BSON field 'readConcern.level' is the wrong type, expected type 'string'");
  if (!LEVELS.has(level)) {
    throw new CommandError(9, "readConcern.level must be either 'local', 'majority', 'linearizable', 'available', or 'snapshot'");
  }
  for (const field of ['afterOpTime', 'afterClusterTime', 'atClusterTime']) {
    if (field in rc) throw badValue(`the test server does not support readConcern.${field}`);
  }
  if (level === 'linearizable') {
    if (node === 'standalone') throw new CommandError(NOT_A_REPLICA_SET, 'node needs to be a replica set member to use read concern');
    if (node === 'secondary') throw new CommandError(10107, 'cannot satisfy linearizable read concern on non-primary node');
  }
  if (level === 'snapshot') {
    if (node === 'standalone') throw new CommandError(NOT_A_REPLICA_SET, 'node needs to be a replica set member to use readConcern: snapshot');
    if (!SNAPSHOT_COMMANDS.has(cmdName)) {
      throw new CommandError(72, `Command ${cmdName} does not support { readConcern: { level: "snapshot", provenance: "clientSupplied" } } :: caused by :: read concern not supported`);
    }
  }
}
