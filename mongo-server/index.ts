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
 * (SCRAM-SHA-256), getParameter/setParameter (ttlMonitorSleepSecs), configureFailPoint (failCommand), find,
 * getMore, killCursors, insert, update, delete, findAndModify, aggregate, count, distinct, create, drop,
 * dropDatabase, listCollections, listDatabases, createIndexes, listIndexes, dropIndexes.
 * Anything else: 59 CommandNotFound; options mongod knows but this server does not implement: 2 BadValue;
 * fields mongod does not know either: 40415, as mongod. Plain 0/1 projections are applied by the server itself
 * (stored field order, as mongod); a filter or update path through a `__proto__` field is refused by mingo (2).
 */
export { TestMongoServer, type TestMongoServerOptions, type UserSpec } from './server';
export { maskUrl, resolveBackend, type Backend, type BackendName, type BackendOptions } from './backend';
