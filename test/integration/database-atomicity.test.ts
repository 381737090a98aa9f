import mongoose, { type mongo } from 'mongoose';
import { testDatabaseUri } from '../helpers/test-db';

/**
 * What the product relies on from the database server itself: `_id` lookups use the `_id` index, and
 * read-modify-write commands are atomic per document. Upstream FerretDB v1.24.2 fails every one of these
 * (docs/ferretdb-patch.md); our patched build and MongoDB pass them. Run against the test run's server,
 * through the driver alone, with many connections so that the commands really overlap inside the server.
 */
describe('database server: indexes and atomic updates', () => {
  let client: mongo.MongoClient;
  let db: mongo.Db;
  let ferretDbVersion: string | undefined;

  beforeAll(async () => {
    const uri = testDatabaseUri();
    client = await mongoose.mongo.MongoClient.connect(uri, { maxPoolSize: 20, minPoolSize: 20 });
    db = client.db();
    await db.dropDatabase();
    const info = await db.admin().command({ buildInfo: 1 });
    ferretDbVersion = info.ferretdbVersion as string | undefined;
  });
  afterAll(() => client.close());

  const counters = (name: string) => db.collection<{ _id: string; n?: number; counted?: boolean }>(name);

  it('when the server is FerretDB, then it is our patched build', () => {
    if (ferretDbVersion === undefined) return; // MongoDB: nothing of ours to check
    expect(ferretDbVersion).toMatch(/^v1\.24\.2-hl\.\d+$/);
  });

  it('when a document is found by _id, then the plan uses the _id index', async () => {
    const docs = counters('lookups');
    await docs.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `d${i}`, n: i })));
    const explained = await docs.find({ _id: 'd7' }).explain();
    const plan = JSON.stringify(explained.queryPlanner);
    if (ferretDbVersion !== undefined) {
      expect(plan).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
      expect(plan).not.toMatch(/detail=SCAN/);
    } else {
      expect(plan).toMatch(/IDHACK|EXPRESS_IXSCAN|IXSCAN/);
    }
  });

  it('when a filter holds an _id and other conditions, or an $in of ids, then the plan still uses the _id index and the other conditions still apply', async () => {
    const docs = counters('lookups-compound');
    await docs.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `d${i}`, n: i })));
    for (const filter of [{ _id: 'd7', n: 7 }, { _id: { $in: ['d3', 'd9', 'd40'] } }]) {
      const plan = JSON.stringify((await docs.find(filter).explain()).queryPlanner);
      if (ferretDbVersion !== undefined) {
        expect(plan).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
        expect(plan).not.toMatch(/detail=SCAN/);
      } else {
        expect(plan).toMatch(/IDHACK|EXPRESS_IXSCAN|IXSCAN/);
      }
    }
    // Narrowed to the _id, the rest of the filter is still checked: a wrong condition matches nothing.
    expect(await docs.find({ _id: 'd7', n: 8 }).toArray()).toEqual([]);
    expect((await docs.find({ _id: { $in: ['d3', 'd9', 'nope'] }, n: { $gt: 5 } }).toArray()).map((d) => d._id)).toEqual(['d9']);
    expect((await docs.updateOne({ _id: 'd7', n: 6 }, { $set: { counted: true } })).matchedCount).toBe(0);
    expect((await docs.updateOne({ _id: 'd7', n: 7 }, { $set: { counted: true } })).modifiedCount).toBe(1);
  });

  it('when a filter holds a range of string _ids, then the plan uses the _id index and the result is exactly the range', async () => {
    const docs = db.collection<{ _id: unknown; n: number }>('id-ranges');
    // Prefixes of the bounds and of each other, ' ' and '!' (which sort below the JSON text's closing quote), the
    // day-keyed shape of response ids, and ids of other types (which a string range never matches).
    const stringIds = [
      'a',
      'a!',
      'a b',
      'ab',
      'abc',
      'abd',
      'b',
      'b-',
      'b~',
      '~2026-03-13~zz',
      '~2026-03-14~',
      '~2026-03-14~A-_9',
      '~2026-03-14~zz',
      '~2026-03-14~~',
      '~2026-03-15~A',
      'z',
    ];
    await docs.insertMany([...stringIds.map((_id, n) => ({ _id, n })), { _id: 7, n: 100 }, { _id: new mongoose.mongo.ObjectId(), n: 101 }]);
    const ranges: Record<string, string>[] = [
      { $gte: 'ab' },
      { $gt: 'ab' },
      { $lt: 'ab' },
      { $lte: 'ab' },
      { $gte: 'a', $lt: 'b' },
      { $gt: 'a', $lte: 'b~' },
      { $gte: '~2026-03-14~', $lte: '~2026-03-14~~' },
      { $lt: '~' },
    ];
    const inRange = (id: string, range: Record<string, string>) =>
      Object.entries(range).every(([op, bound]) => (op === '$gt' ? id > bound : op === '$gte' ? id >= bound : op === '$lt' ? id < bound : id <= bound));
    for (const range of ranges) {
      const found = (await docs.find({ _id: range }).toArray()).map((d) => d._id as string).sort();
      expect({ range, found }).toEqual({ range, found: stringIds.filter((id) => inRange(id, range)).sort() });
      const plan = JSON.stringify((await docs.find({ _id: range, n: { $gte: 0 } }).explain()).queryPlanner);
      if (ferretDbVersion !== undefined) {
        expect(plan).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
        expect(plan).not.toMatch(/detail=SCAN/);
      } else {
        expect(plan).toMatch(/IXSCAN/);
      }
    }
  });

  it('when 400 $inc of one document arrive at once over 20 connections, then all 400 apply without error', async () => {
    const docs = counters('incs');
    await docs.insertOne({ _id: 'cell', n: 0 });
    const results = await Promise.allSettled(Array.from({ length: 400 }, () => docs.updateOne({ _id: 'cell' }, { $inc: { n: 1 } })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect((await docs.findOne({ _id: 'cell' }))?.n).toBe(400);
  });

  it('when 200 upserts of one new _id race, then one document counts all 200', async () => {
    const docs = counters('upserts');
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => upsertOnce(docs, 'fresh', ferretDbVersion === undefined)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await docs.countDocuments({})).toBe(1);
    expect((await docs.findOne({ _id: 'fresh' }))?.n).toBe(200);
  });

  it('when 50 conditional updates race for one document, then exactly one reports a modification', async () => {
    const docs = counters('conditional');
    await docs.insertOne({ _id: 'answer', counted: false });
    const results = await Promise.all(Array.from({ length: 50 }, () => docs.updateOne({ _id: 'answer', counted: false }, { $set: { counted: true } })));
    expect(results.reduce((sum, r) => sum + r.modifiedCount, 0)).toBe(1);
  });

  it('when 50 findOneAndUpdate race on a condition, then exactly one gets the document', async () => {
    const docs = counters('claims');
    await docs.insertOne({ _id: 'entry', n: 0 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => docs.findOneAndUpdate({ _id: 'entry', n: 0 }, { $inc: { n: 1 } }, { returnDocument: 'after' })),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect((await docs.findOne({ _id: 'entry' }))?.n).toBe(1);
  });
});

/**
 * MongoDB itself may answer a racing upsert of a new _id with a duplicate-key error (its documented behaviour:
 * the caller retries once, as the product does). FerretDB with our patch never does, so there no retry is allowed.
 */
async function upsertOnce(docs: mongo.Collection<{ _id: string; n?: number }>, id: string, retryDuplicate: boolean) {
  try {
    return await docs.updateOne({ _id: id }, { $inc: { n: 1 } }, { upsert: true });
  } catch (error) {
    if (!retryDuplicate || (error as { code?: number }).code !== 11000) throw error;
    return docs.updateOne({ _id: id }, { $inc: { n: 1 } }, { upsert: true });
  }
}
