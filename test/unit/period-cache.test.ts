import { PeriodCache } from '../../src/stats/period-cache';

interface Doc {
  _id: string;
  period: string;
  n: number;
}

/** A load the test resolves by hand, to see what the cache serves while a read is under way. */
function controlledLoad() {
  const calls: { periods: string[]; resolve: (docs: Doc[]) => void; reject: (error: Error) => void }[] = [];
  const load = (_partition: string, periods: string[]) => new Promise<Doc[]>((resolve, reject) => calls.push({ periods, resolve, reject }));
  return { load, calls };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A cache (1 s lifetime) whose October was read at time 0 as one document with n = 1. */
async function cacheWithOctoberRead() {
  const { load, calls } = controlledLoad();
  const cache = new PeriodCache<Doc>(load, 1000);
  const first = cache.get('all', ['2026-10'], 0);
  await tick();
  calls[0]!.resolve([{ _id: 'a', period: '2026-10', n: 1 }]);
  await first;
  return { cache, calls };
}

describe('the figures cache by month', () => {
  it('when a month is read the first time, then the caller waits for the read', async () => {
    const { load, calls } = controlledLoad();
    const cache = new PeriodCache<Doc>(load, 1000);
    const got = cache.get('all', ['2026-10'], 0);
    await tick();
    calls[0]!.resolve([{ _id: 'a', period: '2026-10', n: 1 }]);
    expect(await got).toEqual([{ _id: 'a', period: '2026-10', n: 1 }]);
  });

  it('when a month has expired, then the old figures are served at once while it is read again, and the new read replaces them', async () => {
    const { cache, calls } = await cacheWithOctoberRead();

    expect(await cache.get('all', ['2026-10'], 5000)).toEqual([{ _id: 'a', period: '2026-10', n: 1 }]);
    expect(calls).toHaveLength(2);
    calls[1]!.resolve([{ _id: 'a', period: '2026-10', n: 7 }]);
    await tick();
    expect(await cache.get('all', ['2026-10'], 5001)).toEqual([{ _id: 'a', period: '2026-10', n: 7 }]);
  });

  it('when this process writes a document while its month is read again, then the written version is kept', async () => {
    const { cache, calls } = await cacheWithOctoberRead();

    await cache.get('all', ['2026-10'], 5000);
    cache.update('all', '2026-10', 'a', (doc) => ({ ...doc!, n: doc!.n + 1 }));
    // The re-read was answered before that write reached the database.
    calls[1]!.resolve([{ _id: 'a', period: '2026-10', n: 1 }]);
    await tick();
    expect(await cache.get('all', ['2026-10'], 5001)).toEqual([{ _id: 'a', period: '2026-10', n: 2 }]);
  });

  it('when a background read fails, then the old figures stay and nothing is left unhandled', async () => {
    const { cache, calls } = await cacheWithOctoberRead();
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      await cache.get('all', ['2026-10'], 5000);
      calls[1]!.reject(new Error('database down'));
      await tick();
      await tick();
      expect(unhandled).not.toHaveBeenCalled();
      expect(await cache.get('all', ['2026-10'], 5001)).toEqual([{ _id: 'a', period: '2026-10', n: 1 }]);
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('when the cache is invalidated during a first read, then the waiting caller gets a read started afterwards', async () => {
    const { load, calls } = controlledLoad();
    const cache = new PeriodCache<Doc>(load, 1000);
    const got = cache.get('all', ['2026-10'], 0);
    await tick();
    cache.invalidate();
    calls[0]!.resolve([{ _id: 'a', period: '2026-10', n: 1 }]);
    await tick();
    expect(calls).toHaveLength(2);
    calls[1]!.resolve([{ _id: 'a', period: '2026-10', n: 3 }]);
    expect(await got).toEqual([{ _id: 'a', period: '2026-10', n: 3 }]);
  });
});
