import { collectionNamed } from '../../src/data/by-id';
import { releaseLease, renewLease, takeLease } from '../../src/data/leases';
import { incrementById } from '../../src/data/write-once';
import { connectDatabase, type Database } from '../../src/db';
import { createLogger } from '../../src/logger';
import { testDatabaseUri } from '../helpers/test-db';

/**
 * The data layer's leases and counters (src/data/leases.ts, write-once.ts) on the real database: what the password
 * checks, the projector and the moves after a reorganisation rely on.
 */
describe('leases and counters by _id', () => {
  let db: Database;
  const suffix = `${process.pid}-${Date.now()}`;
  beforeAll(async () => {
    db = await connectDatabase(testDatabaseUri(), createLogger('silent'));
  });
  afterAll(() => db.close());

  interface Held {
    _id: string;
    holder?: string;
    until?: number;
    batches?: number;
    scanned?: number;
  }
  const leases = () => collectionNamed<Held>(db.connection, `test_leases_${suffix}`);

  it('when many take one lease at once, then exactly one holds it; only the holder renews or releases it', async () => {
    const now = Date.now();
    const taken = await Promise.all(Array.from({ length: 8 }, (_, i) => takeLease(leases(), 'one', { holder: `h${i}`, now, until: now + 10_000 })));
    expect(taken.filter(Boolean)).toHaveLength(1);
    const winner = `h${taken.indexOf(true)}`;
    const loser = winner === 'h0' ? 'h1' : 'h0';
    expect(await renewLease(leases(), 'one', { holder: loser, until: now + 20_000 })).toBe(false);
    expect(await renewLease(leases(), 'one', { holder: winner, until: now + 20_000, fields: { scanned: 5 } })).toBe(true);
    expect(await leases().findOne({ _id: 'one' })).toEqual({ _id: 'one', holder: winner, until: now + 20_000, scanned: 5 });
    // Taken again by its holder (a projector that looks again while it holds it): still its own.
    expect(await takeLease(leases(), 'one', { holder: winner, now, until: now + 30_000 })).toBe(true);
    await releaseLease(leases(), 'one', loser);
    expect((await leases().findOne({ _id: 'one' }))?.holder).toBe(winner);
    await releaseLease(leases(), 'one', winner);
    expect(await leases().findOne({ _id: 'one' })).toBeNull();
    expect(await takeLease(leases(), 'one', { holder: loser, now, until: now + 10_000 })).toBe(true);
  });

  it('when a holder dies, then its lease is taken once it has expired, not before, and the dead holder can no longer renew it', async () => {
    const now = Date.now();
    expect(await takeLease(leases(), 'dead', { holder: 'dead', now, until: now + 1000 })).toBe(true);
    expect(await takeLease(leases(), 'dead', { holder: 'next', now: now + 999, until: now + 5000 })).toBe(false);
    expect(await takeLease(leases(), 'dead', { holder: 'next', now: now + 1000, until: now + 5000 })).toBe(true);
    expect(await renewLease(leases(), 'dead', { holder: 'dead', until: now + 9000 })).toBe(false);
  });

  it('when a lease lives in a document that holds more, then releasing it keeps the rest', async () => {
    const now = Date.now();
    await leases().insertOne({ _id: 'state', batches: 7 });
    expect(await takeLease(leases(), 'state', { holder: 'p', now, until: now + 1000 })).toBe(true);
    await releaseLease(leases(), 'state', 'p', { keep: true });
    expect(await leases().findOne({ _id: 'state' })).toEqual({ _id: 'state', batches: 7 });
    expect(await takeLease(leases(), 'state', { holder: 'q', now, until: now + 1000 })).toBe(true);
  });

  it('when many instances count at once, some creating the document, then every increment is counted once and the fields set on creation stay', async () => {
    const counters = collectionNamed<{ _id: string; n?: number; label?: string }>(db.connection, `test_counters_${suffix}`);
    await Promise.all(Array.from({ length: 20 }, () => incrementById(counters, 'c', { n: 2 }, { label: 'first' })));
    await incrementById(counters, 'c', { n: -1 }, { label: 'second' });
    expect(await counters.findOne({ _id: 'c' })).toEqual({ _id: 'c', n: 39, label: 'first' });
  });
});
