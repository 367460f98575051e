// The `connect-mongo` debug namespace: it names operations and sids, and never prints secrets, session
// contents or ciphertext.
import { afterEach, describe, expect, it } from 'vitest';
import { MongoStore } from '../../src/index';
import { captureDebug, commandLog, type DebugCapture, makeSession, makeStore, mongoUrl, rawCollection, sid, track, uniqueDbName } from '../support';

let capture: DebugCapture | undefined;
afterEach(() => {
  capture?.restore();
  capture = undefined;
});

/** connect-mongo's debug lines from now until the end of the test. */
function debugLines(): string[] {
  capture = captureDebug();
  return capture.lines;
}

describe('debug logging', () => {
  it('logs operations with their sid, and never the secret, the session or the ciphertext', async () => {
    const lines = debugLines();
    const secret = 'debug-test-secret-value, 32 bytes or more';
    const { store, collection } = makeStore({ crypto: { secret }, touchAfter: 1 });
    const id = sid('debugsid');
    const s = makeSession({ marker: 'session-content-marker' });
    await store.set(id, s);
    await store.get(id);
    await store.touch(id, s);
    await store.all();
    await store.length();
    await store.destroy(id);
    await store.set(id, s);
    const ciphertext = (await (await collection()).findOne({ _id: id as never }))!.session as string;
    // an unreadable document and a failing connection are logged too
    await (await collection()).updateOne({ _id: id as never }, { $set: { session: 'garbage' } });
    await store.get(id).catch(() => {});
    await store.close();

    const text = lines.join('\n');
    expect(text).toContain(`get ${id}`);
    expect(text).toContain(`set ${id}`);
    expect(text).toContain(`destroy ${id}`);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('session-content-marker');
    expect(text).not.toContain(ciphertext.slice(0, 12));
  });

  it('logs a failed TTL index creation (with no error listener)', async () => {
    const lines = debugLines();
    const dbName = uniqueDbName();
    await (await rawCollection(dbName)).createIndex({ expires: 1 }, { expireAfterSeconds: 60 });
    const store = track(MongoStore.create({ mongoUrl: mongoUrl(), dbName }));
    await store.length();
    expect(lines.join('\n')).toMatch(/could not create the TTL index/);
  });
});

describe("autoRemove 'interval' sweeps", () => {
  it('delete expired documents unacknowledged (w: 0)', async () => {
    const { client, commands: deletes } = commandLog({ keep: (e) => e.commandName === 'delete' });
    const firstSweep = new Promise<void>((resolve) => client.on('commandStarted', (e) => e.commandName === 'delete' && resolve()));
    const store = track(MongoStore.create({ client, dbName: uniqueDbName(), autoRemove: 'interval', autoRemoveInterval: 0.001 }));
    await store.length();
    await firstSweep;
    expect(deletes[0].command.writeConcern).toEqual({ w: 0 });
    expect(Object.keys(deletes[0].command.deletes[0].q)).toEqual(['expires']);
    expect(deletes[0].command.deletes[0].q.expires.$lt).toBeInstanceOf(Date);
  });
});
