// Kept only for mongo-server/test/*.test.ts, which import this path: the module is test/support/mongo.ts.
export * from '../support/mongo';
