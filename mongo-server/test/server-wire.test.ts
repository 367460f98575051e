// Wire-protocol statements a driver relies on, checked with raw sockets (they hold for a real mongod too):
// the legacy OP_QUERY handshake gets an OP_REPLY, OP_MSG kind-1 sections carry documents, and the
// moreToCome flag, not w:0, decides whether a reply is sent.
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { deserialize, serialize, type Document } from 'bson';
import { mongoUrl, uniqueDbName } from '../../test/support/mongo';

const sockets: net.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

interface Reply {
  opCode: number;
  responseTo: number;
  flagBits: number;
  doc: Document;
}

function hostPort(): { host: string; port: number } {
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^:/,]+):(\d+)/.exec(mongoUrl());
  if (!m) throw new Error(`cannot take host:port from ${mongoUrl()}`);
  return { host: m[1], port: Number(m[2]) };
}

/** A raw connection that collects whole replies. */
async function connect() {
  const socket = net.connect(hostPort());
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buf = Buffer.alloc(0);
  const replies: Reply[] = [];
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) {
      const len = buf.readInt32LE(0);
      const msg = buf.subarray(0, len);
      buf = buf.subarray(len);
      const opCode = msg.readInt32LE(12);
      const reply: Reply =
        opCode === 1
          ? { opCode, responseTo: msg.readInt32LE(8), flagBits: msg.readInt32LE(16), doc: deserialize(msg.subarray(36)) }
          : { opCode, responseTo: msg.readInt32LE(8), flagBits: msg.readUInt32LE(16), doc: deserialize(msg.subarray(21)) };
      replies.push(reply);
      waiters.splice(0).forEach((w) => w());
    }
  });
  const next = async (): Promise<Reply> => {
    while (replies.length === 0) await new Promise<void>((r) => waiters.push(r));
    return replies.shift()!;
  };
  return { socket, next, pending: () => replies.length };
}

function header(length: number, requestID: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestID, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opMsg(requestID: number, body: Document, flagBits = 0, sequence?: { id: string; docs: Document[] }): Buffer {
  const parts: Buffer[] = [];
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(flagBits, 0);
  parts.push(flags, Buffer.from([0]), Buffer.from(serialize(body)));
  if (sequence) {
    const docs = Buffer.concat(sequence.docs.map((d) => Buffer.from(serialize(d))));
    const id = Buffer.from(`${sequence.id}\0`);
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + id.length + docs.length, 0);
    parts.push(Buffer.from([1]), size, id, docs);
  }
  const payload = Buffer.concat(parts);
  return Buffer.concat([header(16 + payload.length, requestID, 2013), payload]);
}

function opQuery(requestID: number, ns: string, query: Document): Buffer {
  const flags = Buffer.alloc(4);
  const skipReturn = Buffer.alloc(8);
  skipReturn.writeInt32LE(-1, 4);
  const payload = Buffer.concat([flags, Buffer.from(`${ns}\0`), skipReturn, Buffer.from(serialize(query))]);
  return Buffer.concat([header(16 + payload.length, requestID, 2004), payload]);
}

describe('wire protocol (raw sockets: needs a server without access control)', () => {
  it('answers the legacy OP_QUERY isMaster handshake with an OP_REPLY', async () => {
    const conn = await connect();
    conn.socket.write(opQuery(7, 'admin.$cmd', { isMaster: 1, helloOk: true, client: { driver: { name: 'raw', version: '0' }, unknownField: 1 } }));
    const reply = await conn.next();
    expect(reply.opCode).toBe(1);
    expect(reply.responseTo).toBe(7);
    expect(reply.doc).toMatchObject({ ok: 1, ismaster: true, helloOk: true, maxWireVersion: expect.any(Number) });
  });

  it('takes documents from an OP_MSG kind-1 section; moreToCome means no reply, w:0 alone still gets one', async () => {
    const db = uniqueDbName('wire');
    const conn = await connect();
    // moreToCome: the server must stay silent, so the next reply answers the ping (request 3).
    conn.socket.write(opMsg(2, { insert: 'c', $db: db, writeConcern: { w: 0 } }, 2, { id: 'documents', docs: [{ _id: 1 }, { _id: 2 }] }));
    conn.socket.write(opMsg(3, { ping: 1, $db: 'admin' }));
    const ping = await conn.next();
    expect(ping.responseTo).toBe(3);
    expect(ping.doc.ok).toBe(1);
    // w:0 without the flag (driver 5.x style) is answered.
    conn.socket.write(opMsg(4, { insert: 'c', $db: db, writeConcern: { w: 0 } }, 0, { id: 'documents', docs: [{ _id: 3 }] }));
    const w0 = await conn.next();
    expect(w0.responseTo).toBe(4);
    expect(w0.doc.ok).toBe(1);
    conn.socket.write(opMsg(5, { count: 'c', $db: db }));
    expect((await conn.next()).doc.n).toBe(3);
    conn.socket.write(opMsg(6, { dropDatabase: 1, $db: db }));
    expect((await conn.next()).doc.ok).toBe(1);
    expect(conn.pending()).toBe(0);
  });
});
