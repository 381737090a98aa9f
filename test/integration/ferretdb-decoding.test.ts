import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mongoose, { type mongo } from 'mongoose';
import { testDatabaseUri } from '../helpers/test-db';

const { Binary, Double, Int32, Long, ObjectId, Timestamp } = mongoose.mongo;
const { EJSON } = mongoose.mongo.BSON;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VERSION } = require('../../scripts/install-ferretdb.cjs') as { VERSION: string };
const FERRETDB_SOURCE = path.join(__dirname, '..', '..', '.tools', 'src', `ferretdb-${VERSION}`);

/** Documents of every type the product stores, in the shapes that make a decoder slip: nesting, emptiness, escapes. */
function documents(): mongo.Document[] {
  return [
    {
      _id: '~2026-11-12~syn-60601-500000',
      linkCode: 'p7yf4h72ea',
      surveyVersion: new Int32(1),
      unitAncestors: ['SGD', 'PGD-D05'],
      district: 'Huyện Đông Hòa',
      answers: { access_info: new Int32(5), access_fees: new Int32(-4), overall: new Int32(2147483647) },
      skipped: [],
      overallTopTwo: true,
      counted: false,
      submittedAt: new Date(1794452400000),
      flags: [],
      comment: 'Cô giáo "tận tâm"\\ ; dòng mới\nvà tab\t, <b>&</b> \u2028 😀',
      contact: null,
    },
    {
      _id: 'nested',
      empty: {},
      deep: { a: { b: { c: [new Int32(1), { d: null, e: [] }, 'x'] } } }, // no array in an array: FerretDB v1 refuses them
      list: [{}, { x: 'y' }, null, 'z', new Double(2)],
      // not -0: FerretDB stores it as 0 (its document validation, upstream), MongoDB keeps it
      numbers: [new Double(0), new Double(-2.5), new Double(1.5), new Double(1e300), new Double(-1e-300), new Double(123456789012345)],
      longs: [Long.fromString('9223372036854775807'), Long.fromString('-9223372036854775808'), Long.fromNumber(0)],
      dates: [new Date(0), new Date(-1), new Date(4102444800000)],
    },
    {
      _id: 'rare types',
      oid: new ObjectId('0102030405060708090a0b0c'),
      bin: new Binary(Buffer.from([1, 2, 3]), 0),
      uuid: new Binary(Buffer.alloc(16, 7), 4),
      ts: new Timestamp({ t: 1_700_000_000, i: 3 }),
      'key with spaces': 'v',
      'Đánh giá': new Int32(4),
    },
  ];
}

const canonical = (doc: unknown) => EJSON.stringify(doc, { relaxed: false });

/**
 * FerretDB reads each stored document from its JSON text. Our patch (docs/ferretdb-patch.md, hunk 9) reads that
 * text in one pass instead of three; these checks hold for any server: what goes in comes back, value for value
 * and type for type, whichever way it is read.
 */
describe('database server: documents come back exactly as stored', () => {
  let client: mongo.MongoClient;
  let collection: mongo.Collection<{ _id: string }>;

  beforeAll(async () => {
    client = await mongoose.mongo.MongoClient.connect(testDatabaseUri());
    const db = client.db();
    await db.dropDatabase();
    collection = db.collection<{ _id: string }>('decoding');
    await collection.insertMany(documents() as { _id: string }[]);
  });
  afterAll(() => client.close());

  const raw = { promoteValues: false, promoteLongs: false } as const;

  it('when each document is read by _id, then every value and type is the one stored', async () => {
    for (const doc of documents()) {
      const found = await collection.findOne({ _id: doc._id as string }, raw);
      expect(canonical(found)).toBe(canonical(doc));
    }
  });

  it('when they are read together (a range, an $in, a filter on another field), then the same documents come back', async () => {
    const byId = (docs: mongo.Document[]) => docs.map(canonical).sort();
    const expected = byId(documents());
    expect(byId(await collection.find({ _id: { $gte: 'a', $lt: '~' } }, raw).toArray())).toEqual(byId(documents().filter((d) => (d._id as string) < '~')));
    expect(byId(await collection.find({ _id: { $in: documents().map((d) => d._id as string) } }, raw).toArray())).toEqual(expected);
    expect(byId(await collection.find({ _id: { $exists: true } }, raw).toArray())).toEqual(expected);
  });

  it('when a projection picks nested fields, then they come back with their types', async () => {
    const found = await collection.findOne({ _id: '~2026-11-12~syn-60601-500000' }, { ...raw, projection: { answers: 1, district: 1, submittedAt: 1 } });
    const doc = documents()[0]!;
    expect(canonical(found)).toBe(canonical({ _id: doc._id, district: doc.district, answers: doc.answers, submittedAt: doc.submittedAt }));
  });
});

/**
 * The patch's own Go tests (the one-pass reader against upstream's decoder on thousands of generated and damaged
 * documents; resource tracking; the BSON conversion), run on the source the install script patched and built.
 */
describe("our FerretDB patch's Go tests", () => {
  it('when they run on the patched source, then they pass', () => {
    expect(fs.existsSync(path.join(FERRETDB_SOURCE, 'go.mod'))).toBe(true);
    const run = spawnSync('go', ['test', '-count=1', './internal/handler/sjson/', './internal/util/resource/', './internal/bson/'], {
      cwd: FERRETDB_SOURCE,
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-buildvcs=false', GIT_CEILING_DIRECTORIES: path.dirname(FERRETDB_SOURCE) },
    });
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/FAIL/);
    expect(run.status).toBe(0);
  }, 240_000);
});
