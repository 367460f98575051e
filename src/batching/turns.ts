// Work on many sessions at once (the reply of a shared read, all(), entries()) is handed out in slices,
// with the event loop let through in between, when each session is costly to decode: decrypting takes
// ~15–30 µs a session, so a reply of hundreds in one turn would hold every other request for milliseconds.

/** Sessions per event-loop turn when each one is decrypted. */
export const DECRYPT_SLICE = 32;

/** Resolves in a later turn of the event loop, after the I/O and timers that were waiting. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
