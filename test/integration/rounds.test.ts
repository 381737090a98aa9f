import mongoose from 'mongoose';
import { InsertRounds } from '../../src/data/rounds';
import { testDatabaseUri } from '../helpers/test-db';

/** Group commit (src/data/rounds.ts) against the real database: what each caller gets back when many share a round. */
describe('writes shared in rounds', () => {
  const connection = mongoose.createConnection(testDatabaseUri(), { maxPoolSize: 8 });

  beforeAll(async () => {
    await connection.asPromise();
    await connection.dropDatabase();
  });
  afterAll(() => connection.close());

  it('when many inserts race, some of them for the same ids and some for ids already stored, then exactly one caller per new id inserts it and every other is told it was taken', async () => {
    const coll = connection.collection<{ _id: string; by: number }>('insert_rounds');
    const rounds = new InsertRounds(coll);
    await coll.insertMany([
      { _id: 'taken-1', by: -1 },
      { _id: 'taken-2', by: -1 },
    ]);
    // 30 ids, each tried by 4 callers at once, in an order that puts refusals in the middle of rounds.
    const ids = [...Array.from({ length: 28 }, (_, i) => `new-${i}`), 'taken-1', 'taken-2'];
    const calls = ids.flatMap((id, i) => [0, 1, 2, 3].map((k) => ({ id, by: i * 4 + k })));
    calls.sort((a, b) => ((a.by * 7919) % 97) - ((b.by * 7919) % 97));
    const results = await Promise.all(calls.map(async (call) => ({ ...call, inserted: await rounds.insertOnce({ _id: call.id, by: call.by }) })));

    for (const id of ids) {
      const winners = results.filter((r) => r.id === id && r.inserted);
      expect({ id, winners: winners.length }).toEqual({ id, winners: id.startsWith('taken') ? 0 : 1 });
      const stored = await coll.findOne({ _id: id });
      expect(stored?.by).toBe(id.startsWith('taken') ? -1 : winners[0]!.by);
    }
    expect(await coll.countDocuments()).toBe(30);
  });
});
