import { createModels, type Models } from '../../src/models';
import { ADDRESS_RECORD_DAYS, addressSaltProvider, countsCollectionName, hashAddress, sweepAddressRecords } from '../../src/responses/address-hash';
import type { Database } from '../../src/db';
import { connectTestDatabase } from '../helpers/test-db';

/** The salted address hashes behind the cluster flags (issue 13, item 2) stop meaning anything after the window. */
describe('address salts and cluster counters', () => {
  let db: Database;
  let models: Models;
  const day = (iso: string) => new Date(`${iso}T03:00:00Z`);

  beforeAll(async () => {
    db = await connectTestDatabase();
    models = createModels(db.connection);
  });
  afterAll(() => db.close());

  const saltIds = async () =>
    (await models.Setting.find().lean())
      .map((s) => s._id)
      .filter((id) => id.startsWith('address-salt:'))
      .sort();
  const countCollections = async () =>
    (await db.connection.db!.listCollections().toArray())
      .map((c) => c.name)
      .filter((n) => n.startsWith('address_counts_'))
      .sort();

  it('when two instances hash on one day, then they agree; on the next day the same address hashes differently', async () => {
    const [one, two] = [addressSaltProvider(models.Setting, db.connection), addressSaltProvider(models.Setting, db.connection)];
    const [a, b] = await Promise.all([one(day('2026-11-01')), two(day('2026-11-01'))]);
    expect(a).toBe(b);
    const next = await one(day('2026-11-02'));
    expect(hashAddress(next, '203.0.113.7')).not.toBe(hashAddress(a, '203.0.113.7'));
    expect(hashAddress(a, '203.0.113.7')).not.toContain('203');
  });

  it(`when a day is more than ${ADDRESS_RECORD_DAYS} days old, then its salt and its counters are destroyed, and newer ones kept`, async () => {
    for (const d of ['2026-11-01', '2026-11-02', '2026-11-04', '2026-11-05']) {
      await addressSaltProvider(models.Setting, db.connection)(day(d));
      await db.connection.db!.collection(countsCollectionName(d)).insertOne({ _id: 'x' } as never);
    }
    await sweepAddressRecords(models.Setting, db.connection, day('2026-11-05'));
    expect(await saltIds()).toEqual(['address-salt:2026-11-04', 'address-salt:2026-11-05']);
    expect(await countCollections()).toEqual([countsCollectionName('2026-11-04'), countsCollectionName('2026-11-05')]);
    // Idempotent, and harmless when another instance swept first.
    await sweepAddressRecords(models.Setting, db.connection, day('2026-11-05'));
    expect(await saltIds()).toHaveLength(2);
  });
});
