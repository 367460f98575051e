import { randomBytes } from 'node:crypto';

/*
 * IVs (and kruptein's AAD keys) come from the CSPRNG in slices of a 4 KiB block: one call into OpenSSL per
 * block instead of one per operation (the same idea as Node's cached randomUUID). Each block is used once,
 * front to back, and replaced, never refilled in place: no byte is handed out twice and no earlier slice
 * changes afterwards.
 */
const RANDOM_BLOCK_BYTES = 4096;
let randomBlock = Buffer.alloc(0);
let randomOffset = 0;

export function freshRandom(size: number): Buffer {
  if (size > RANDOM_BLOCK_BYTES / 4) return randomBytes(size);
  if (randomOffset + size > randomBlock.length) {
    randomBlock = randomBytes(RANDOM_BLOCK_BYTES);
    randomOffset = 0;
  }
  const slice = randomBlock.subarray(randomOffset, randomOffset + size);
  randomOffset += size;
  return slice;
}
