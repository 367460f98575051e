// The in-process MongoDB look-alike used by the test suite (never shipped).
export { TestMongoServer, type TestMongoServerOptions, type UserSpec } from './server';
