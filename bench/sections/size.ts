// Session size: get and set of 1 KB, 16 KB and 256 KB sessions (plain, concurrency 1), and where each
// store stops at MongoDB's 16 MiB document limit: ours refuses before sending anything, with the
// document's size in the message; what connect-mongo does is recorded as it happens.
import { performance } from 'node:perf_hooks';
import type { Config } from '../lib/config';
import { log } from '../lib/measure';
import { newSid, sizedSession } from '../lib/session-data';
import { makeStore, newClient, type Impl } from '../lib/stores';
import { runCell, type OpsCell, type Side } from './ops';

export interface SizeCell {
  bytes: number; // JSON of the session
  get: OpsCell;
  set: OpsCell;
}

export interface LimitProbe {
  side: 'ours' | 'theirs';
  bytes: number; // JSON of the session
  ok: boolean;
  ms: number;
  /** Commands sent while set() ran (handshakes excluded). */
  commands: string[];
  error?: string;
}

export interface SizeResults {
  cells: SizeCell[];
  limit: LimitProbe[];
}

const MiB = 2 ** 20;
const IGNORED = new Set(['hello', 'ismaster', 'isMaster', 'endSessions', 'saslStart', 'saslContinue', 'ping', 'buildInfo', 'killCursors', 'createIndexes']);

async function probe(impl: Impl, url: string, dbName: string, bytes: number): Promise<LimitProbe> {
  const client = await newClient(url, { monitorCommands: true });
  const bs = makeStore(impl, 'plain', client, dbName, `size_limit_${impl.key}`);
  const session = sizedSession(0, 1024);
  session.blob = 'x'.repeat(bytes - JSON.stringify(session).length - 10);
  const json = JSON.stringify(session).length;
  await bs.get(newSid()); // connected, index created: only set()'s own commands are counted
  const commands: string[] = [];
  let counting = true;
  client.on('commandStarted', (e) => void (counting && !IGNORED.has(e.commandName) && commands.push(e.commandName)));
  const sid = newSid();
  const t0 = performance.now();
  let error: string | undefined;
  try {
    await bs.set(sid, session).finally(() => void (counting = false));
    const back = await bs.get(sid);
    if (!back || (back.blob as string).length !== (session.blob as string).length) error = 'read back differently';
  } catch (err) {
    error = String((err as Error)?.message ?? err).slice(0, 200);
  }
  const ms = performance.now() - t0;
  await client.db(dbName).collection(bs.collectionName).drop().catch(() => {});
  await bs.store.close();
  return { side: impl.key, bytes: json, ok: error === undefined, ms, commands, error };
}

export async function runSizeSection(cfg: Config, impls: { ours: Impl; theirs: Impl }, url: string, dbName: string): Promise<SizeResults> {
  const out: SizeResults = { cells: [], limit: [] };
  for (const bytes of cfg.sessionSizes) {
    const sides = {} as Record<'ours' | 'theirs', Side>;
    for (const key of ['ours', 'theirs'] as const) {
      const bs = makeStore(impls[key], 'plain', await newClient(url), dbName, `size_${bytes}_${key}`);
      // Fewer distinct sessions when they are large: the working set stays a few MB.
      const pool = Array.from({ length: Math.max(16, Math.min(cfg.pool, Math.floor((4 * MiB) / bytes))) }, (_, i) => ({ sid: newSid(), session: sizedSession(i, bytes) }));
      for (const p of pool) await bs.set(p.sid, p.session);
      sides[key] = { bs, pool };
    }
    const get = await runCell(cfg, sides, 'plain', 'get-hit', 1, cfg.sizeRounds);
    const set = await runCell(cfg, sides, 'plain', 'set-update', 1, cfg.sizeRounds);
    out.cells.push({ bytes, get, set });
    for (const side of [sides.ours, sides.theirs]) {
      await side.bs.client.db(dbName).collection(side.bs.collectionName).drop().catch(() => {});
      await side.bs.store.close();
    }
  }
  // Just under the limit (fits), and just over it.
  for (const bytes of [15.5 * MiB, 16.5 * MiB]) {
    for (const impl of [impls.ours, impls.theirs]) {
      const p = await probe(impl, url, dbName, bytes);
      out.limit.push(p);
      log(`size limit ${impl.key} ${(p.bytes / MiB).toFixed(2)} MiB: ${p.ok ? 'stored and read back' : `error "${p.error}"`} in ${p.ms.toFixed(0)} ms, commands sent by set(): ${p.commands.join(', ') || 'none'}`);
    }
  }
  return out;
}
