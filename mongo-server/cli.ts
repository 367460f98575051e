// Runs the in-process MongoDB test server in the foreground:
//   npm run test-server -- --port 27017 [--ttl-monitor-sleep-secs 1] [--user name:password]...
//   npm run test-server -- --replset 3 [--port 27017]     (a replica set on ports 27017, 27018, 27019)
import { parseArgs } from 'node:util';
import { TestMongoServer, startReplicaSet, type UserSpec } from '.';
import { flagsKeptByNpm } from './npm-flags';

function fail(message: string): never {
  console.error(`test-server: ${message}`);
  console.error('usage: npm run test-server -- [--replset MEMBERS] [--port N] [--ttl-monitor-sleep-secs N] [--user name:password]...');
  process.exit(2);
}

const keptByNpm = flagsKeptByNpm('test-server', ['port', 'ttl-monitor-sleep-secs', 'user'], process.argv.slice(2), process.env);
if (keptByNpm) fail(keptByNpm);

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      'ttl-monitor-sleep-secs': { type: 'string' },
      user: { type: 'string', multiple: true },
      replset: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (e) {
  fail((e as Error).message);
}

const intArg = (name: string, raw: string | undefined, min: number): number | undefined => {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > 65535 * 1000) fail(`--${name} must be an integer >= ${min}, got '${raw}'`);
  return Number(raw);
};

const port = intArg('port', values.port, 0);
if (port !== undefined && port > 65535) fail(`--port must be at most 65535`);
const ttlMonitorSleepSecs = intArg('ttl-monitor-sleep-secs', values['ttl-monitor-sleep-secs'], 1);
const users: UserSpec[] = (values.user ?? []).map((spec) => {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) fail(`--user must be name:password, got '${spec}'`);
  return { user: spec.slice(0, colon), password: spec.slice(colon + 1) };
});

const members = intArg('replset', values.replset, 1);
if (members !== undefined && members > 7) fail('--replset must be at most 7 members');
const serverOptions = { ttlMonitorSleepSecs, users: users.length ? users : undefined };
let server: { stop(): Promise<void> };
let url: string;
if (members === undefined) {
  const standalone = new TestMongoServer({ port, ...serverOptions });
  url = await standalone.start().catch((e: Error) => fail(`cannot listen: ${e.message}`));
  server = standalone;
} else {
  const ports = port ? Array.from({ length: members }, (_, i) => port + i) : undefined;
  if (ports && ports[ports.length - 1] > 65535) fail('--port leaves no room for every member below 65536');
  const set = await startReplicaSet({ members, ports, ...serverOptions }).catch((e: Error) => fail(`cannot start the replica set: ${e.message}`));
  url = set.url;
  server = set;
}
console.log(`test-server listening: ${url}`);
if (users.length) console.log(`test-server users (authSource admin): ${users.map((u) => u.user).join(', ')}`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  server.stop().then(
    () => {
      console.log(`test-server stopped (${signal})`);
      process.exit(0);
    },
    (e: Error) => {
      console.error(`test-server: error while stopping: ${e.message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
