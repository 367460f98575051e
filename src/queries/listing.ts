// Reads over the whole collection: all(), ids(), entries() and length(), each seeing exactly the sessions
// get() would return.
import type { SessionData } from 'express-session';
import type { FindCursor } from 'mongodb';
import { READ_OPTIONS } from '../document/types';
import { decodeSlot, nextTurn } from '../document/decode-slots';
import type { SessionCodec } from '../document/codec';
import type { SessionCollection, SessionDocument } from '../document/types';
import type { ExpiryPolicy } from '../expiry/policy';

/** Documents per cursor batch when reading everything: one batch is decoded while the next is on its way. */
const STREAM_BATCH = 500;
const MANY = { remember: false } as const; // a listing's plaintexts are not kept: it would push out the sessions in use

const ignore = () => {};

/**
 * A cursor's documents, one batch at a time. The next batch is asked for before the current one is handed
 * out, and one event-loop turn lets that request leave: the server prepares it while this one is decoded,
 * instead of waiting for the client to finish. At most two batches are held.
 */
async function* batches(cursor: FindCursor<SessionDocument>): AsyncGenerator<SessionDocument[]> {
  try {
    let more = cursor.hasNext();
    while (await more) {
      const docs = cursor.readBufferedDocuments();
      more = cursor.hasNext();
      more.catch(ignore); // a consumer that stops early closes the cursor under it
      await nextTurn();
      yield docs;
    }
  } finally {
    await cursor.close();
  }
}

export interface EntriesOptions {
  /** Skip documents that cannot be decrypted or decoded instead of failing the iteration. Default false. */
  skipUnreadable?: boolean;
  /** Called for each skipped document with its id and the error (never its contents). */
  onUnreadable?: (id: string, err: unknown) => void;
}

export class Listing<T extends SessionData> {
  constructor(
    private readonly expiry: ExpiryPolicy,
    private readonly codec: SessionCodec<T>,
  ) {}

  async all(collection: SessionCollection): Promise<T[]> {
    const sessions: T[] = [];
    for await (const docs of batches(this.find(collection))) {
      for (const doc of docs) {
        const wait = this.codec.encrypts ? decodeSlot() : undefined;
        if (wait) await wait;
        let session = this.codec.decode(doc, MANY);
        if (session instanceof Promise) session = await session; // a foreign adapter, or a key being derived
        if (session !== null) sessions.push(session); // null: undecryptable, with onDecryptError: 'miss'
      }
    }
    return sessions;
  }

  private find(collection: SessionCollection): FindCursor<SessionDocument> {
    return collection.find(this.expiry.liveFilter(new Date()), { ...READ_OPTIONS, batchSize: STREAM_BATCH });
  }

  count(collection: SessionCollection): Promise<number> {
    return collection.countDocuments(this.expiry.liveFilter(new Date()));
  }

  /**
   * The stored ids of live sessions (transformed ids when transformId is set). With onDecryptError 'miss',
   * only those get() returns: each session is read and decrypted (same commands, more bytes and CPU).
   */
  async ids(collection: SessionCollection): Promise<string[]> {
    const filter = this.expiry.liveFilter(new Date());
    if (!this.codec.hidesUndecryptable) return (await collection.find(filter, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id);
    const ids: string[] = [];
    for (const doc of await collection.find(filter, READ_OPTIONS).toArray()) {
      const wait = decodeSlot();
      if (wait) await wait;
      if (await this.readable(doc)) ids.push(doc._id);
    }
    return ids;
  }

  /** False when get() would hide the session; a session get() fails on (damaged, not undecryptable) is listed. */
  private async readable(doc: SessionDocument): Promise<boolean> {
    try {
      return (await this.codec.decode(doc, MANY)) !== null;
    } catch {
      return true;
    }
  }

  /** Streams [id, session] pairs, one or two cursor batches in memory at a time. */
  async *entries(collection: SessionCollection, options: EntriesOptions = {}): AsyncGenerator<[string, T]> {
    for await (const docs of batches(this.find(collection))) {
      for (const doc of docs) {
        const wait = this.codec.encrypts ? decodeSlot() : undefined;
        if (wait) await wait;
        let session: T | null;
        try {
          session = await this.codec.decode(doc, MANY);
        } catch (err) {
          if (!options.skipUnreadable) throw err;
          options.onUnreadable?.(doc._id, err);
          continue;
        }
        if (session !== null) yield [doc._id, session];
      }
    }
  }
}
