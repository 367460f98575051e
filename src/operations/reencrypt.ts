// Moving encrypted sessions to the newest secret (and binding them to their id): one at a time as they are
// read (reencryptOnRead), or the whole collection in resumable batches (reencryptAll). Each rewrite is
// conditional on the ciphertext it replaces, so a concurrent set() always wins.
import type { SessionCollection } from '../document/types';
import type { WriteOptions } from '../document/types';
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
  /**
   * Documents whose `session` is not encrypted (an object): written before encryption was on, or planted by
   * someone who can write the collection. Left as they are unless `includeUnencrypted`.
   */
  unencrypted: number;
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
  /**
   * Also encrypt unencrypted sessions (counted in `reencrypted` too). Whatever they hold becomes a valid
   * ciphertext: run it only while the collection holds nothing but your own data (right after turning
   * encryption on), never to clean up after an intrusion. Default false.
   */
  includeUnencrypted?: boolean;
}

export class Reencryption {
  constructor(
    private readonly encryption: SessionEncryption,
    private readonly write: WriteOptions,
  ) {}

  /**
   * Rewrites one document's `session` (the ciphertext, or the unencrypted object, it held); false when a
   * concurrent write replaced it first. `since`: the mark() of the read that found it stale.
   */
  async one(collection: SessionCollection, _id: string, old: unknown, plaintext: string, remember = true, since?: number): Promise<boolean> {
    const session = await this.encryption.encrypt(plaintext, _id, remember, since);
    const result = await collection.updateOne({ _id, session: old }, { $set: { session } }, this.write);
    return result.modifiedCount > 0;
  }

  async all(collection: SessionCollection, options: ReencryptOptions = {}): Promise<ReencryptProgress> {
    const { batchSize = 500, after, onProgress, includeUnencrypted = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConnectMongoRangeError(ErrorCodes.badArgument, 'connect-mongo: `batchSize` must be a positive integer');
    const progress: ReencryptProgress = { scanned: 0, reencrypted: 0, failed: 0, unencrypted: 0, lastId: after };
    for (;;) {
      const filter = progress.lastId === undefined ? {} : { _id: { $gt: progress.lastId } };
      const docs = await collection.find(filter, { sort: { _id: 1 }, limit: batchSize, projection: { session: 1 } }).toArray();
      if (docs.length === 0) return progress;
      for (const doc of docs) await this.visit(collection, doc._id, doc.session, progress, includeUnencrypted);
      progress.lastId = docs[docs.length - 1]._id;
      onProgress?.({ ...progress });
    }
  }

  private async visit(collection: SessionCollection, _id: string, session: unknown, progress: ReencryptProgress, includeUnencrypted: boolean): Promise<void> {
    progress.scanned++;
    if (typeof session !== 'string') return this.visitUnencrypted(collection, _id, session, progress, includeUnencrypted);
    try {
      const { plaintext, stale } = await this.encryption.decrypt(session, _id, false);
      if (stale && (await this.one(collection, _id, session, plaintext, false))) progress.reencrypted++;
    } catch (err) {
      progress.failed++;
      debug('reencryptAll: %s could not be decrypted: %s', _id, (err as Error)?.message);
    }
  }

  private async visitUnencrypted(collection: SessionCollection, _id: string, session: unknown, progress: ReencryptProgress, encrypt: boolean): Promise<void> {
    if (session === undefined) return; // no session at all (a destroyGrace tombstone)
    progress.unencrypted++;
    if (!encrypt) return;
    try {
      if (await this.one(collection, _id, session, JSON.stringify(session), false)) progress.reencrypted++;
    } catch (err) {
      progress.failed++;
      debug('reencryptAll: %s could not be encrypted: %s', _id, (err as Error)?.message);
    }
  }
}
