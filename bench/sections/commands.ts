// Database commands per HTTP request, counted with the driver's command monitoring on the store's client.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Config } from '../lib/config';
import { buildApp } from '../lib/app';
import { log } from '../lib/measure';
import { makeStore, newClient, type Impl, type Mode } from '../lib/stores';

// Connection bookkeeping, not the store's work.
const IGNORED = new Set(['hello', 'ismaster', 'isMaster', 'endSessions', 'saslStart', 'saslContinue', 'ping', 'buildInfo', 'killCursors']);

export const SCENARIOS = [
  { key: 'new-visitor', label: 'new visitor (session created)', path: '/login', touchAfter: 0 },
  { key: 'returning-modify', label: 'returning visitor, modifies session', path: '/visit', touchAfter: 0 },
  { key: 'returning-read', label: 'returning visitor, reads only', path: '/read', touchAfter: 0 },
  { key: 'returning-touchAfter', label: 'returning visitor, reads only, touchAfter 3600', path: '/read', touchAfter: 3600 },
  { key: 'logout', label: 'logout (destroy)', path: '/logout', touchAfter: 0 },
] as const;

export interface CommandsCell {
  mode: Mode;
  scenario: string;
  label: string;
  ours: { perRequest: number; commands: string[] };
  theirs: { perRequest: number; commands: string[] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function countFor(impl: Impl, mode: Mode, url: string, dbName: string, sc: (typeof SCENARIOS)[number], reps: number) {
  const client = await newClient(url, { monitorCommands: true });
  const store = makeStore(impl, mode, client, dbName, `cmd_${mode}_${impl.key}_${sc.key}`, { touchAfter: sc.touchAfter });
  const server: Server = await new Promise((resolve) => {
    const s = buildApp(store.store).listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let seen: string[] = [];
  let counting = false;
  client.on('commandStarted', (e) => {
    if (counting && !IGNORED.has(e.commandName)) seen.push(e.commandName);
  });
  const login = async () => {
    const r = await fetch(`${base}/login`);
    if (!r.ok) throw new Error(`/login: HTTP ${r.status}`);
    // express-session sends all but the last byte before its save finishes: wait for the whole body.
    await r.arrayBuffer();
    return r.headers.get('set-cookie')!.split(';')[0];
  };
  // Warm up: index creation and the first connection happen here, not in a counted request.
  await login();
  await sleep(50);
  let total = 0;
  const names: string[] = [];
  for (let i = 0; i < reps; i++) {
    const cookie = sc.key === 'new-visitor' ? undefined : await login();
    await sleep(20);
    seen = [];
    counting = true;
    const r = await fetch(base + sc.path, { headers: cookie ? { cookie } : {} });
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`${sc.path}: HTTP ${r.status}`);
    await sleep(30); // anything the request started after the response still counts
    counting = false;
    total += seen.length;
    if (i === 0) names.push(...seen);
  }
  await new Promise((r) => server.close(r));
  await client.db(dbName).collection(store.collectionName).drop().catch(() => {});
  await store.store.close();
  return { perRequest: total / reps, commands: names };
}

export async function runCommandsSection(
  cfg: Config,
  impls: { ours: Impl; theirs: Impl },
  url: string,
  dbName: string,
  modes: Mode[],
): Promise<CommandsCell[]> {
  const cells: CommandsCell[] = [];
  for (const mode of modes) {
    for (const sc of SCENARIOS) {
      const ours = await countFor(impls.ours, mode, url, dbName, sc, cfg.commandsReps);
      const theirs = await countFor(impls.theirs, mode, url, dbName, sc, cfg.commandsReps);
      cells.push({ mode, scenario: sc.key, label: sc.label, ours, theirs });
      log(`commands ${mode.padEnd(9)} ${sc.key.padEnd(20)} ours ${ours.perRequest} [${ours.commands}] theirs ${theirs.perRequest} [${theirs.commands}]`);
    }
  }
  return cells;
}
