// The shapes of stored sessions, exactly as connect-mongo 6 writes and types them.
import type { SessionData } from 'express-session';
import type { Collection, Document, UpdateFilter, WriteConcernSettings } from 'mongodb';

/** What a serializer may return and an unserializer receives. */
export type StoredSessionValue = SessionData | string;
export type Serialize<T extends SessionData> = (session: T) => StoredSessionValue;
export type Unserialize<T extends SessionData> = (payload: StoredSessionValue) => T;

/** The stored document, as connect-mongo 6 writes it. */
export interface SessionDocument {
  _id: string;
  session: unknown;
  expires?: Date;
  lastModified?: Date;
  createdAt?: Date;
  /** With the userId option: whose session this is. */
  userId?: string;
  /** With destroyGrace: a destroyed session whose id refuses late writes until `expires`. */
  tombstone?: true;
  updatedAt?: Date;
}

/** The sessions collection as the store's parts use it. */
export type SessionCollection = Collection<SessionDocument>;

/** The stored document as connect-mongo 6 types it for `collectionP`. */
export type InternalSessionType<T extends SessionData> = Omit<SessionDocument, 'session'> & { session: StoredSessionValue | T };

/** What touch() takes: the session, with the `lastModified` get() adds under touchAfter. */
export type Touchable<T> = T & { lastModified?: Date };

export type OperatorUpdate = UpdateFilter<SessionDocument>;
/** An update as sent: operators, or a pipeline (maxLifetime's cap, see controls/max-lifetime.ts). */
export type SentUpdate = OperatorUpdate | Document[];
/** Options of every write command: the store's writeOperationOptions, as connect-mongo passes them. */
export type WriteOptions = { writeConcern?: WriteConcernSettings };

// The driver decodes replies with `fieldsAsRaw: {}`, and bson looks names up in it with a plain property
// read, so a field named like an Object.prototype member (`constructor`, `toString`...) holding an array of
// documents comes back as raw Buffers. A prototype-less object makes that lookup miss for every name.
export const READ_OPTIONS = { fieldsAsRaw: Object.create(null) as Record<string, never> };
