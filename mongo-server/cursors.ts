// Open cursors: the first batch goes out with the command's reply, the rest through getMore.
import { Long, calculateObjectSize } from 'bson';
import { isPlainObject } from './query';
import type { Doc } from './storage';
import { MAX_BSON_SIZE } from './wire';

/** mongod's batch size for a first batch when the client sets none. */
export const DEFAULT_BATCH = 101;

/** mongod's cursorTimeoutMillis: idle cursors are reaped after 10 minutes. */
const CURSOR_TIMEOUT_MS = 10 * 60 * 1000;

export interface CursorState {
  ns: string;
  docs: Doc[];
  pos: number;
  lastUsed: number;
}

/** Up to batchSize documents from the cursor's position, kept under mongod's 16 MiB per reply. */
export function takeBatch(state: CursorState, batchSize: number | undefined): Doc[] {
  const out: Doc[] = [];
  let bytes = 0;
  while (state.pos < state.docs.length && (batchSize === undefined || out.length < batchSize)) {
    const doc = state.docs[state.pos];
    const size = calculateObjectSize(doc);
    // Always at least one document, however large.
    if (out.length > 0 && bytes + size > MAX_BSON_SIZE) break;
    out.push(doc);
    bytes += size;
    state.pos++;
  }
  return out;
}

/** The batch size asked for in a list command's optional `cursor: { batchSize }`. */
export const cursorBatchSize = (body: Doc): number =>
  (isPlainObject(body.cursor) ? (body.cursor.batchSize as number | undefined) : undefined) ?? DEFAULT_BATCH;

const randomCursorId = () =>
  Long.fromBigInt(BigInt.asIntN(64, (BigInt(Math.floor(Math.random() * 2 ** 31)) << 31n) | BigInt(Math.floor(Math.random() * 2 ** 31)) | 1n));

export class Cursors {
  private readonly open = new Map<string, CursorState>();

  /** A `cursor` reply with the first batch; a cursor stays open only when documents are left over. */
  reply(ns: string, docs: Doc[], batchSize: number | undefined, single: boolean): Doc {
    const state: CursorState = { ns, docs, pos: 0, lastUsed: Date.now() };
    const batch = takeBatch(state, batchSize);
    let id = Long.ZERO;
    if (!single && state.pos < docs.length) {
      id = randomCursorId();
      this.reapIdle(state.lastUsed);
      this.open.set(id.toString(), state);
    }
    return { cursor: { id, ns, firstBatch: batch }, ok: 1 };
  }

  get(id: string): CursorState | undefined {
    return this.open.get(id);
  }

  delete(id: string): boolean {
    return this.open.delete(id);
  }

  clear(): void {
    this.open.clear();
  }

  private reapIdle(now: number): void {
    for (const [id, c] of this.open) if (now - c.lastUsed > CURSOR_TIMEOUT_MS) this.open.delete(id);
  }
}
