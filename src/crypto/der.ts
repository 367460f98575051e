// DER: SEQUENCE of OCTET STRING only (the whole of kruptein's schema).
// Hand-written rather than asn1.js: this one shape is ~40 lines, strict (definite minimal lengths, no
// trailing bytes), allocation-light, and keeps asn1.js (+ bn.js) out of our direct dependencies.
// Output is byte-identical to asn1.js's encoder for kruptein's schema (checked in test/unit/crypto-compat.test.ts).

const TAG_SEQUENCE = 0x30;
const TAG_OCTET_STRING = 0x04;

function derLengthSize(len: number): number {
  return len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : len < 0x1000000 ? 4 : 5;
}

function writeDerHeader(out: Buffer, pos: number, tag: number, len: number): number {
  out[pos++] = tag;
  const size = derLengthSize(len);
  if (size === 1) {
    out[pos++] = len;
    return pos;
  }
  out[pos++] = 0x80 | (size - 1);
  for (let i = size - 2; i >= 0; i--) out[pos++] = (len / 2 ** (8 * i)) & 0xff;
  return pos;
}

/** Each field is bytes, or a string that stands for its bytes in `encoding` (UTF-8 unless said). */
export function encodeDerOctetSequence(fields: readonly (string | Uint8Array)[], encoding: BufferEncoding = 'utf8'): Buffer {
  const sizes = fields.map((f) => (typeof f === 'string' ? Buffer.byteLength(f, encoding) : f.length));
  let body = 0;
  for (const size of sizes) body += 1 + derLengthSize(size) + size;
  const out = Buffer.allocUnsafe(1 + derLengthSize(body) + body);
  let pos = writeDerHeader(out, 0, TAG_SEQUENCE, body);
  fields.forEach((f, i) => {
    pos = writeDerHeader(out, pos, TAG_OCTET_STRING, sizes[i]);
    if (typeof f === 'string') out.write(f, pos, encoding);
    else out.set(f, pos);
    pos += sizes[i];
  });
  return out;
}

/** Reads one DER header of `der` at `pos`; returns [contentStart, contentLength] or undefined. */
function readDerHeader(der: Buffer, pos: number, tag: number, end: number): [number, number] | undefined {
  if (pos + 2 > end || der[pos] !== tag) return undefined;
  let len = der[pos + 1];
  pos += 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > end || der[pos] === 0) return undefined; // indefinite/huge/non-minimal
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[pos++];
    if (len < 0x80) return undefined; // must have used the short form
  }
  return pos + len <= end ? [pos, len] : undefined;
}

/** Returns the OCTET STRING contents (views into `der`), or undefined if `der` is anything else. */
export function decodeDerOctetSequence(der: Buffer): Buffer[] | undefined {
  const seq = readDerHeader(der, 0, TAG_SEQUENCE, der.length);
  if (!seq || seq[0] + seq[1] !== der.length) return undefined;
  const fields: Buffer[] = [];
  let pos = seq[0];
  while (pos < der.length) {
    const h = readDerHeader(der, pos, TAG_OCTET_STRING, der.length);
    if (!h) return undefined;
    fields.push(der.subarray(h[0], h[0] + h[1]));
    pos = h[0] + h[1];
  }
  return fields;
}
