// Reads over the whole collection: all(), ids(), entries() and length(), each seeing exactly the sessions
// get() would return.
import type { SessionData } from 'express-session';
import { READ_OPTIONS } from '../batching/commands';
import type { Coll } from '../batching/coalescer';
import { DECRYPT_SLICE, nextTurn } from '../batching/turns';
import type { SessionCodec } from '../document/codec';
import type { ExpiryPolicy } from '../expiry/policy';

/** How many documents one cursor batch holds while entries() streams. */
const STREAM_BATCH = 1000;

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

  async all(collection: Coll): Promise<T[]> {
    const docs = await collection.find(this.expiry.liveFilter(new Date()), READ_OPTIONS).toArray();
    const sessions: T[] = [];
    const slice = this.codec.encrypts ? DECRYPT_SLICE : Infinity;
    for (let i = 0; i < docs.length; i++) {
      if (i > 0 && i % slice === 0) await nextTurn();
      let session = this.codec.decode(docs[i]);
      if (session instanceof Promise) session = await session; // a foreign adapter, or a key being derived
      if (session !== null) sessions.push(session); // null: undecryptable, with onDecryptError: 'miss'
    }
    return sessions;
  }

  count(collection: Coll): Promise<number> {
    return collection.countDocuments(this.expiry.liveFilter(new Date()));
  }

  /** The stored ids of live sessions (transformed ids when transformId is set). */
  async ids(collection: Coll): Promise<string[]> {
    const docs = await collection.find(this.expiry.liveFilter(new Date()), { projection: { _id: 1 } }).toArray();
    return docs.map((doc) => doc._id);
  }

  /** Streams [id, session] pairs, one cursor batch in memory at a time. */
  async *entries(collection: Coll, options: EntriesOptions = {}): AsyncGenerator<[string, T]> {
    const cursor = collection.find(this.expiry.liveFilter(new Date()), { ...READ_OPTIONS, batchSize: STREAM_BATCH });
    try {
      const slice = this.codec.encrypts ? DECRYPT_SLICE : Infinity;
      let n = 0;
      for await (const doc of cursor) {
        if (++n % slice === 0) await nextTurn();
        let session: T | null;
        try {
          session = await this.codec.decode(doc);
        } catch (err) {
          if (!options.skipUnreadable) throw err;
          options.onUnreadable?.(doc._id, err);
          continue;
        }
        if (session !== null) yield [doc._id, session];
      }
    } finally {
      await cursor.close();
    }
  }
}
