import { Schema } from 'mongoose';
import { collectionNamed } from '../../src/data/by-id';
import { connectDatabase, reachable, watchConnection, type Database } from '../../src/db';
import { createLogger } from '../../src/logger';
import { testDatabaseUri } from '../helpers/test-db';

/**
 * The watchdog of src/db.ts: a driver that stays disconnected from a reachable server gets a new client. What the
 * app holds from before (models, driver collections taken at start-up by the projector and the answer inserts)
 * must work on the new client, and a database that is really down must be left alone.
 */
describe('replacing the driver client', () => {
  const uri = testDatabaseUri();
  let db: Database;
  beforeAll(async () => {
    db = await connectDatabase(uri, createLogger('silent'));
  });
  afterAll(() => db.close());

  it('when the client is replaced, then models and collections taken before it keep reading and writing', async () => {
    const Note = db.connection.model('ReconnectNote', new Schema({ _id: String, n: Number }));
    const raw = collectionNamed<{ _id: string; n: number }>(db.connection, 'reconnect_raw');
    await Note.create({ _id: 'a', n: 1 });
    await raw.insertOne({ _id: 'a', n: 1 });
    await db.reconnect();
    expect(await db.isReady()).toBe(true);
    await Note.updateOne({ _id: 'a' }, { $inc: { n: 1 } });
    await raw.updateOne({ _id: 'a' }, { $inc: { n: 1 } });
    await raw.insertOne({ _id: 'b', n: 5 });
    expect((await Note.findById('a').lean())?.n).toBe(2);
    expect(await raw.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', n: 2 },
      { _id: 'b', n: 5 },
    ]);
  });

  it('when pings keep failing while a new client reaches the server, then the watchdog reconnects once they have failed long enough', async () => {
    let ready = false;
    let reconnects = 0;
    const fake = {
      isReady: () => Promise.resolve(ready),
      reconnect: () => {
        reconnects += 1;
        ready = true;
        return Promise.resolve();
      },
    };
    const stop = watchConnection(fake, uri, createLogger('silent'), { everyMs: 50, stuckMs: 300 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(reconnects).toBe(0); // failing, but not for long enough yet
      for (let waited = 0; reconnects === 0 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(reconnects).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(reconnects).toBe(1); // ready again: nothing more
    } finally {
      stop();
    }
  });

  it('when the server itself cannot be reached, then the watchdog leaves the client to the driver', async () => {
    const down = 'mongodb://127.0.0.1:9/nothing';
    expect(await reachable(down)).toBe(false);
    let reconnects = 0;
    const fake = {
      isReady: () => Promise.resolve(false),
      reconnect: () => {
        reconnects += 1;
        return Promise.resolve();
      },
    };
    const stop = watchConnection(fake, down, createLogger('silent'), { everyMs: 50, stuckMs: 100 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(reconnects).toBe(0);
    } finally {
      stop();
    }
  });
});
