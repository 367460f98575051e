// Work on many sessions at once (the replies of shared reads, all(), entries()) is let through in slices,
// with the event loop in between, when each session is costly to decode: decrypting takes ~15–30 µs a
// session, so the hundreds a loaded server gets back in one turn would hold every other request for
// milliseconds. The budget is per event-loop turn and shared by every store in the process: replies that
// arrive together take turns, rather than each decoding its own slice in the same turn.

/** Sessions decrypted per event-loop turn. */
const DECRYPT_SLICE = 16;

let passed = 0;
let armed = false;
const waiting: (() => void)[] = [];

function arm(): void {
  if (armed) return;
  armed = true;
  setImmediate(nextSlice);
}

/** In the check phase of each turn: a fresh budget, spent first on whoever has been waiting longest. */
function nextSlice(): void {
  armed = false;
  passed = 0;
  while (waiting.length > 0 && passed < DECRYPT_SLICE) {
    passed++;
    waiting.shift()!();
  }
  if (waiting.length > 0) arm();
}

/**
 * Undefined when one more session may be decoded in this turn; otherwise a promise that resolves in a
 * later turn, in arrival order.
 */
export function decodeSlot(): Promise<void> | undefined {
  if (passed < DECRYPT_SLICE && waiting.length === 0) {
    passed++;
    arm();
    return undefined;
  }
  arm();
  return new Promise((resolve) => waiting.push(resolve));
}

/** Resolves in a later turn of the event loop, after the I/O and timers that were waiting. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
