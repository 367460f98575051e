// MongoDB wire protocol framing: just the opcodes a standalone mongod answers for modern drivers.
import { deserialize, serialize, type Document } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const FLAG_CHECKSUM_PRESENT = 1;
export const FLAG_MORE_TO_COME = 2;
export const FLAG_EXHAUST_ALLOWED = 1 << 16;

export const MAX_MESSAGE_SIZE = 48_000_000;
/** mongod's largest document, and the most one reply batch carries. */
export const MAX_BSON_SIZE = 16 * 1024 * 1024;

export interface Header {
  messageLength: number;
  requestID: number;
  responseTo: number;
  opCode: number;
}

export type Request =
  | { kind: 'msg'; header: Header; flagBits: number; body: Document }
  | { kind: 'query'; header: Header; collection: string; body: Document };

// Deserialize as the server stores: promoted JS values, Binary kept as bson Binary (not Buffer).
const readOptions = { promoteBuffers: false } as const;

export function parseHeader(buf: Buffer): Header {
  return {
    messageLength: buf.readInt32LE(0),
    requestID: buf.readInt32LE(4),
    responseTo: buf.readInt32LE(8),
    opCode: buf.readInt32LE(12),
  };
}

function readCString(buf: Buffer, at: number): [string, number] {
  const end = buf.indexOf(0, at);
  if (end < 0) throw new Error('unterminated cstring');
  return [buf.toString('utf8', at, end), end + 1];
}

/** Parses one complete message; throws on malformed input (the caller drops the connection, as mongod does). */
export function parseMessage(buf: Buffer): Request {
  const header = parseHeader(buf);
  if (header.opCode === OP_MSG) {
    const flagBits = buf.readUInt32LE(16);
    const end = flagBits & FLAG_CHECKSUM_PRESENT ? buf.length - 4 : buf.length;
    let at = 20;
    let body: Document | undefined;
    const sequences: Array<[string, Document[]]> = [];
    while (at < end) {
      const kind = buf[at++];
      if (kind === 0) {
        const size = buf.readInt32LE(at);
        if (body) throw new Error('OP_MSG with more than one body section');
        body = deserialize(buf.subarray(at, at + size), readOptions);
        at += size;
      } else if (kind === 1) {
        const size = buf.readInt32LE(at);
        const sectionEnd = at + size;
        const [identifier, docsAt] = readCString(buf, at + 4);
        const docs: Document[] = [];
        let p = docsAt;
        while (p < sectionEnd) {
          const docSize = buf.readInt32LE(p);
          docs.push(deserialize(buf.subarray(p, p + docSize), readOptions));
          p += docSize;
        }
        sequences.push([identifier, docs]);
        at = sectionEnd;
      } else {
        throw new Error(`unknown OP_MSG section kind ${kind}`);
      }
    }
    if (!body) throw new Error('OP_MSG without a body section');
    for (const [identifier, docs] of sequences) {
      if (identifier in body) throw new Error(`duplicate field ${identifier} in OP_MSG`);
      body[identifier] = docs;
    }
    return { kind: 'msg', header, flagBits, body };
  }
  if (header.opCode === OP_QUERY) {
    const [collection, at] = readCString(buf, 20);
    const queryAt = at + 8; // numberToSkip, numberToReturn
    const size = buf.readInt32LE(queryAt);
    let body = deserialize(buf.subarray(queryAt, queryAt + size), readOptions);
    // Legacy wrapping used when a read preference is attached.
    if (body.$query && typeof body.$query === 'object') body = { ...body.$query };
    return { kind: 'query', header, collection, body };
  }
  throw new Error(`unsupported opCode ${header.opCode}`);
}

function header(length: number, requestID: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestID, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

export function encodeMsg(requestID: number, responseTo: number, doc: Document, flagBits = 0): Buffer {
  const body = serialize(doc);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32LE(flagBits, 0);
  prefix[4] = 0;
  const length = 16 + prefix.length + body.length;
  return Buffer.concat([header(length, requestID, responseTo, OP_MSG), prefix, body]);
}

export function encodeReply(requestID: number, responseTo: number, doc: Document): Buffer {
  const body = serialize(doc);
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(0, 0); // responseFlags
  fields.writeBigInt64LE(0n, 4); // cursorID
  fields.writeInt32LE(0, 12); // startingFrom
  fields.writeInt32LE(1, 16); // numberReturned
  const length = 16 + fields.length + body.length;
  return Buffer.concat([header(length, requestID, responseTo, OP_REPLY), fields, body]);
}
