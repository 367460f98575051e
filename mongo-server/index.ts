/**
 * The in-process MongoDB look-alike used by this repository's tests, examples and benchmark (never shipped):
 * a standalone mongod over TCP on 127.0.0.1, speaking OP_QUERY (legacy handshake) and OP_MSG, with documents
 * in `bson` and queries, projections, sorts, update operators and pipelines run by `mingo`.
 *
 *   const server = new TestMongoServer({ port?, ttlMonitorSleepSecs?, users?: [{ user, password, db? }] });
 *   const url = await server.start();   // 'mongodb://127.0.0.1:PORT' (no database path)
 *   await server.stop();                // closes the listener and every connection; data is kept
 *   await server.start();               // same port, same data, new topologyVersion.processId
 *
 * Commands (commands/registry.ts): hello/isMaster, ping, buildInfo, endSessions, logout, saslStart/saslContinue
 * (SCRAM-SHA-256), getParameter/setParameter (ttlMonitorSleepSecs), configureFailPoint (failCommand,
 * onPrimaryTransactionalWrite, and stopReplProducer on a replica set member; modes alwaysOn, {times}, {skip}), find,
 * getMore, killCursors, insert, update, delete, findAndModify, aggregate, count, distinct, create, drop,
 * dropDatabase, listCollections, listDatabases, createIndexes, listIndexes, dropIndexes (unique indexes multikey).
 * replSetStepDown, replSetFreeze, replSetGetStatus (replica set members; a standalone answers 76 NoReplicationEnabled).
 *
 *   const rs = await startReplicaSet({ members?: 3, setName?: 'rs0', ports?, electionDelayMS?: 100, lagMS?: 0 });
 *   rs.url                              // 'mongodb://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/?replicaSet=rs0'
 *   rs.setLag(ms, member?)              // replication lag; Infinity pauses (as the stopReplProducer failpoint)
 *   await rs.stopMember(i); await rs.startMember(i);   // a member's process dies / comes back
 *
 * Members answer hello as a replica set (setName, hosts, primary, me, electionId, setVersion, topologyVersion that
 * changes with the member's state, lastWrite); writes go to the primary only (10107 NotWritablePrimary), reads on
 * a secondary need a non-primary $readPreference (13435 NotPrimaryNoSecondaryOk); write concern waits for the
 * members it counts (default majority); retryable writes (lsid + txnNumber) are applied once, on any primary;
 * RetryableWriteError / NoWritesPerformed labels as mongod 4.4+. Read concern as mongod checks it per topology
 * (read-concern.ts); multi-document transactions: 2 BadValue. A standalone refuses txnNumber with 20
 * IllegalOperation, as mongod. Atlas Search commands and stages: 31082 SearchNotEnabled, as mongod 7.3+.
 * Anything else: 59 CommandNotFound; options mongod knows but this server does not implement: 2 BadValue;
 * fields mongod does not know either: 40415, as mongod. Plain 0/1 projections are applied by the server itself
 * (stored field order, as mongod); a filter or update path through a `__proto__` field is refused by mingo (2).
 */
export { TestMongoServer, type TestMongoServerOptions, type UserSpec } from './server';
export { ReplicaSet, startReplicaSet, type ReplicaSetOptions } from './replication/replica-set';
export { maskUrl, replicaSetNameOf, resolveBackend, resolveReplicaSet, type Backend, type BackendName, type BackendOptions, type ReplicaSetBackend } from './backend';
