// What get() saw of a stored session, carried on the session object it returns (and, through
// MongoStore.createSession, on express-session's req.session), so that the same request's set() or touch()
// knows it: when the session was created (maxLifetime counts from there, even once the document is gone),
// and whether it was still stored under its plain id (hashSessionIds.migrate). A non-enumerable property under
// a private symbol: serializers, JSON, express-session's change detection and stored data never carry it,
// so no stored or posted value can forge one.

const MARK = Symbol('connect-mongo-next read mark');

export interface ReadMark {
  /** The document's createdAt, when it had one. */
  createdAt: Date | undefined;
  /** Found under the plain session id, not yet moved to the hashed one. */
  foundUnderPlainId: boolean;
}

export function markRead(session: unknown, mark: ReadMark): void {
  if (typeof session !== 'object' || session === null || !Object.isExtensible(session)) return;
  Object.defineProperty(session, MARK, { value: mark, enumerable: false, configurable: true, writable: true });
}

export function readMarkOf(session: unknown): ReadMark | undefined {
  if (typeof session !== 'object' || session === null) return undefined;
  return (session as { [MARK]?: ReadMark })[MARK];
}
