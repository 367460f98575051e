// Everything tests share, from one place: `import { makeStore, makeSession } from '../support'`.
// Importing it registers two hooks per test file: the per-test cleanup list (./cleanup) and the closing of
// the file's raw client (./raw). Unit tests import single modules instead (./kruptein), so they load
// neither the MongoDB driver nor the HTTP stack.
export * from './callbacks';
export * from './clock';
export * from './cleanup';
export * from './commands';
export * from './cookies';
export * from './debug';
export * from './example-process';
export * from './faults';
export * from './framework-app';
export * from './hold-proxy';
export * from './kruptein';
export * from './listen';
export * from './mongo';
export * from './process-watch';
export * from './raw';
export * from './replica-set';
export * from './session';
export * from './store';
export * from './traffic-app';
