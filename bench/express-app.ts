// Child process for the end-to-end run: one Express app with one store, so the app's CPU can be read
// on its own (autocannon runs in the parent). Talks to the parent over IPC.
import type { AddressInfo } from 'node:net';
import { buildApp } from './lib/app';
import { loadImpls, makeStore, newClient, type Mode } from './lib/stores';

const { BENCH_SIDE, BENCH_MODE, BENCH_URL, BENCH_DB } = process.env;
const impls = await loadImpls();
const impl = impls[BENCH_SIDE as 'ours' | 'theirs'];
const client = await newClient(BENCH_URL!);
const bs = makeStore(impl, BENCH_MODE as Mode, client, BENCH_DB!, `e2e_${BENCH_MODE}_${BENCH_SIDE}`);
const server = buildApp(bs.store).listen(0, '127.0.0.1', () => {
  process.send!({ type: 'ready', port: (server.address() as AddressInfo).port });
});
server.keepAliveTimeout = 60_000;
process.on('message', async (m: { type: string }) => {
  if (m.type === 'cpu') {
    const c = process.cpuUsage();
    process.send!({ type: 'cpu', us: c.user + c.system });
  } else if (m.type === 'stop') {
    server.close();
    await client.db(BENCH_DB).collection(bs.collectionName).drop().catch(() => {});
    await bs.store.close();
    process.exit(0);
  }
});
