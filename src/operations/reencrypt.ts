// Moving encrypted sessions to the newest secret (and binding them to their id): one at a time as they are
// read (reencryptOnRead), or the whole collection in resumable batches (reencryptAll). Each rewrite is
// conditional on the ciphertext it replaces, so a concurrent set() always wins.
import type { Coll } from '../batching/coalescer';
import type { WriteOptions } from '../batching/commands';
import { debug } from '../debug';
import type { SessionEncryption } from '../document/encryption';
import { ConnectMongoRangeError, ErrorCodes } from '../errors';

export interface ReencryptProgress {
  /** Documents looked at so far. */
  scanned: number;
  /** Documents rewritten with the newest secret. */
  reencrypted: number;
  /** Documents no secret could decrypt (left as they are). */
  failed: number;
  /** Pass as `after` to resume from here. */
  lastId: string | undefined;
}

export interface ReencryptOptions {
  /** Documents per batch. Default 500. */
  batchSize?: number;
  /** Resume after this `_id` (the `lastId` of an earlier run's progress). */
  after?: string;
  /** Called after each batch. */
  onProgress?: (progress: ReencryptProgress) => void;
}

export class Reencryption {
  constructor(
    private readonly encryption: SessionEncryption,
    private readonly write: WriteOptions,
  ) {}

  /** Rewrites one document's ciphertext; false when a concurrent write replaced it first. */
  async one(collection: Coll, _id: string, oldCiphertext: string, plaintext: string, remember = true): Promise<boolean> {
    const session = await this.encryption.encryptText(plaintext, _id, remember);
    const result = await collection.updateOne({ _id, session: oldCiphertext }, { $set: { session } }, this.write);
    return result.modifiedCount > 0;
  }

  async all(collection: Coll, { batchSize = 500, after, onProgress }: ReencryptOptions = {}): Promise<ReencryptProgress> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConnectMongoRangeError(ErrorCodes.badArgument, 'connect-mongo: `batchSize` must be a positive integer');
    const progress: ReencryptProgress = { scanned: 0, reencrypted: 0, failed: 0, lastId: after };
    for (;;) {
      const filter = progress.lastId === undefined ? {} : { _id: { $gt: progress.lastId } };
      const docs = await collection.find(filter, { sort: { _id: 1 }, limit: batchSize, projection: { session: 1 } }).toArray();
      if (docs.length === 0) return progress;
      for (const doc of docs) await this.visit(collection, doc._id, doc.session, progress);
      progress.lastId = docs[docs.length - 1]._id;
      onProgress?.({ ...progress });
    }
  }

  private async visit(collection: Coll, _id: string, session: unknown, progress: ReencryptProgress): Promise<void> {
    progress.scanned++;
    if (typeof session !== 'string') return; // not encrypted (written before encryption was on)
    try {
      const { plaintext, stale } = await this.encryption.decrypt(session, _id, false);
      if (stale && (await this.one(collection, _id, session, plaintext, false))) progress.reencrypted++;
    } catch (err) {
      progress.failed++;
      debug('reencryptAll: %s could not be decrypted: %s', _id, (err as Error)?.message);
    }
  }
}
