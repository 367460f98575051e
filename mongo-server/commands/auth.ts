// SCRAM-SHA-256 through saslStart/saslContinue; the conversation itself is in scram.ts.
import { Binary } from 'bson';
import { CommandError } from '../errors';
import { checkFields } from '../query';
import { ScramConversation } from '../scram';
import type { Doc } from '../storage';
import type { Command, CommandHandler } from '../types';

export function saslStart({ body, conn, engine }: Command): Doc {
  checkFields('saslStart', body, ['mechanism', 'payload', 'autoAuthorize', 'options', 'db']);
  const mechanism = body.mechanism;
  const payload = body.payload instanceof Binary ? Buffer.from(body.payload.buffer).toString('utf8') : String(body.payload ?? '');
  const db = String(body.$db);
  if (mechanism !== 'SCRAM-SHA-256') {
    const userMatch = /(?:^|,)n=([^,]*)/.exec(payload);
    if (!userMatch || !engine.findUser(userMatch[1], db)) throw new CommandError(18, 'Authentication failed.');
    throw new CommandError(334, `Received authentication for mechanism ${String(mechanism)} which is not enabled`);
  }
  const conv = new ScramConversation(engine.nextConversationId(), engine.findUser);
  const serverFirst = conv.start(payload, db);
  conn.conversations.set(conv.id, conv);
  return { conversationId: conv.id, done: false, payload: new Binary(Buffer.from(serverFirst)), ok: 1 };
}

function saslContinue({ body, conn }: Command): Doc {
  checkFields('saslContinue', body, ['conversationId', 'payload']);
  const conv = conn.conversations.get(Number(body.conversationId));
  if (!conv) throw new CommandError(17, 'No SASL session state found');
  const payload = body.payload instanceof Binary ? Buffer.from(body.payload.buffer).toString('utf8') : '';
  let reply: string;
  try {
    reply = conv.continue(payload);
  } catch (e) {
    conn.conversations.delete(conv.id);
    throw e;
  }
  // Drivers ask to skip the final empty round trip; mongod then finishes after the proof.
  if (conv.done || reply.startsWith('v=')) {
    conn.authenticated.add(`${conv.db}.${conv.user}`);
  }
  if (conv.done) conn.conversations.delete(conv.id);
  return { conversationId: conv.id, done: conv.done || reply.startsWith('v='), payload: new Binary(Buffer.from(reply)), ok: 1 };
}

export const authCommands: Record<string, CommandHandler> = { saslStart, saslContinue };
