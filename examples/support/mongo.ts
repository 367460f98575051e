// Where the examples' MongoDB comes from, so `npm start` works on a fresh machine (mongo-server/backend.ts):
//   1. MONGO_URL, when set (your own server, Atlas, a test harness...);
//   2. mongodb-memory-server, only when a mongod binary is already on disk (MONGOMS_SYSTEM_BINARY or its
//      download cache): the examples never download one;
//   3. otherwise this repository's in-process test server (mongo-server/), which speaks enough of the
//      wire protocol for a session store. Examples are not shipped, so they may use it.
// Whichever it is gets printed, with any password in MONGO_URL masked.
import { maskUrl, resolveBackend, type Backend } from '../../mongo-server';

export async function startExampleMongo(log: (line: string) => void = console.log): Promise<Backend> {
  const mongo = await resolveBackend({
    memoryServer: 'on-disk',
    onMemoryServerError: (message) => log(`MongoDB: mongodb-memory-server unavailable (${message}); using the test server`),
  });
  if (mongo.backend === 'MONGO_URL') log(`MongoDB: MONGO_URL (${maskUrl(mongo.url)})`);
  else if (mongo.backend === 'mongodb-memory-server') log(`MongoDB: embedded mongodb-memory-server (${mongo.binary}) at ${mongo.url}`);
  else log(`MongoDB: embedded test server (mongo-server/; no usable mongod binary here) at ${mongo.url}; in memory, so sessions last until the app stops: set MONGO_URL to keep them`);
  return mongo;
}
