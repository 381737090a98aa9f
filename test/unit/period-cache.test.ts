import { cellKey } from '../../src/stamps';
import { PeriodCache, type MonthSource } from '../../src/stats/period-cache';

interface Doc {
  _id: string;
  period: string;
  n: number;
}

/**
 * A database in memory with the stamp protocol of stamps.ts: `write` changes a document and then bumps its
 * cell; `bulk` changes documents and resets the month. Reads are counted, to see what the cache re-reads.
 */
function fakeDatabase() {
  const docs = new Map<string, Doc>();
  const stamps = new Map<string, { reset: number; cells: Record<string, number> }>();
  const reads = { months: 0, ones: [] as string[] };
  const stampOf = (period: string) => {
    let stamp = stamps.get(period);
    if (!stamp) stamps.set(period, (stamp = { reset: 0, cells: {} }));
    return stamp;
  };
  const source: MonthSource<Doc> = {
    stampId: (_partition, period) => period,
    readStamp: async (id) => structuredClone(stampOf(id)),
    loadMonths: async (_partition, periods) => {
      reads.months += 1;
      return [...docs.values()].filter((d) => periods.includes(d.period)).map((d) => ({ ...d }));
    },
    loadOne: async (id) => {
      reads.ones.push(id);
      const doc = docs.get(id);
      return doc ? { ...doc } : null;
    },
  };
  return {
    source,
    reads,
    write(doc: Doc) {
      docs.set(doc._id, doc);
      const stamp = stampOf(doc.period);
      stamp.cells[cellKey(doc._id)] = (stamp.cells[cellKey(doc._id)] ?? 0) + 1;
    },
    remove(id: string, period: string) {
      docs.delete(id);
      const stamp = stampOf(period);
      stamp.cells[cellKey(id)] = (stamp.cells[cellKey(id)] ?? 0) + 1;
    },
    bulk(doc: Doc) {
      docs.set(doc._id, doc);
      stampOf(doc.period).reset += 1;
    },
  };
}

const byId = (docs: Doc[]) => Object.fromEntries(docs.map((d) => [d._id, d.n]));

describe('the figures copy by month, checked against change stamps', () => {
  it('when a month is read twice with no write between, then the second read loads nothing', async () => {
    const db = fakeDatabase();
    db.write({ _id: '2026-10|a', period: '2026-10', n: 1 });
    const cache = new PeriodCache(db.source);
    expect(byId(await cache.get('all', ['2026-10']))).toEqual({ '2026-10|a': 1 });
    expect(byId(await cache.get('all', ['2026-10']))).toEqual({ '2026-10|a': 1 });
    expect(db.reads).toEqual({ months: 1, ones: [] });
  });

  it('when another writer changes one document, then the next read re-reads only that one by id', async () => {
    const db = fakeDatabase();
    db.write({ _id: '2026-10|a', period: '2026-10', n: 1 });
    db.write({ _id: '2026-10|b.x', period: '2026-10', n: 1 });
    const cache = new PeriodCache(db.source);
    await cache.get('all', ['2026-10']);
    db.write({ _id: '2026-10|b.x', period: '2026-10', n: 2 });
    db.write({ _id: '2026-10|c', period: '2026-10', n: 7 });
    expect(byId(await cache.get('all', ['2026-10']))).toEqual({ '2026-10|a': 1, '2026-10|b.x': 2, '2026-10|c': 7 });
    expect(db.reads.months).toBe(1);
    expect(db.reads.ones.sort()).toEqual(['2026-10|b.x', '2026-10|c']);
  });

  it('when a document is deleted, then it leaves the copy', async () => {
    const db = fakeDatabase();
    db.write({ _id: '2026-10|a', period: '2026-10', n: 1 });
    const cache = new PeriodCache(db.source);
    await cache.get('all', ['2026-10']);
    db.remove('2026-10|a', '2026-10');
    expect(await cache.get('all', ['2026-10'])).toEqual([]);
  });

  it('when a month is reset by a bulk write, then it is read in full again, and other months are not', async () => {
    const db = fakeDatabase();
    db.write({ _id: '2026-09|a', period: '2026-09', n: 1 });
    db.write({ _id: '2026-10|a', period: '2026-10', n: 1 });
    const cache = new PeriodCache(db.source);
    await cache.get('all', ['2026-09', '2026-10']);
    db.bulk({ _id: '2026-10|z', period: '2026-10', n: 5 });
    expect(byId(await cache.get('all', ['2026-09', '2026-10']))).toEqual({ '2026-09|a': 1, '2026-10|a': 1, '2026-10|z': 5 });
    expect(db.reads).toEqual({ months: 2, ones: [] });
  });

  it('when a month is read in full, then documents already written are not read again one by one', async () => {
    const db = fakeDatabase();
    for (const id of ['a', 'b', 'c']) db.write({ _id: `2026-10|${id}`, period: '2026-10', n: 1 });
    const cache = new PeriodCache(db.source);
    await cache.get('all', ['2026-10']);
    await cache.get('all', ['2026-10']);
    expect(db.reads.ones).toEqual([]);
  });

  it('when several readers ask for the same unread months at once, then one full read serves them all', async () => {
    const db = fakeDatabase();
    db.write({ _id: '2026-10|a', period: '2026-10', n: 1 });
    const cache = new PeriodCache(db.source);
    const results = await Promise.all([cache.get('all', ['2026-09', '2026-10']), cache.get('all', ['2026-10']), cache.get('all', ['2026-09', '2026-10'])]);
    expect(results.map(byId)).toEqual([{ '2026-10|a': 1 }, { '2026-10|a': 1 }, { '2026-10|a': 1 }]);
    expect(db.reads.months).toBe(1);
  });

  it('when a full read fails, then the error reaches the reader and the next read tries again', async () => {
    const db = fakeDatabase();
    db.write({ _id: '2026-10|a', period: '2026-10', n: 1 });
    const loadMonths = db.source.loadMonths;
    let fail = true;
    const cache = new PeriodCache({ ...db.source, loadMonths: (partition, periods) => (fail ? Promise.reject(new Error('database down')) : loadMonths(partition, periods)) });
    await expect(cache.get('all', ['2026-10'])).rejects.toThrow('database down');
    fail = false;
    expect(byId(await cache.get('all', ['2026-10']))).toEqual({ '2026-10|a': 1 });
  });

  it('when the source answers with a query-like thenable that runs on each then, then a full read runs it once', async () => {
    const db = fakeDatabase();
    db.write({ _id: '2026-10|a', period: '2026-10', n: 1 });
    db.write({ _id: '2026-11|a', period: '2026-11', n: 1 });
    let runs = 0;
    // Like a mongoose query: every `then` executes it, and mongoose refuses a second execution.
    const query = (docs: Promise<Doc[]>) => ({
      then: <R>(onFulfilled: (value: Doc[]) => R, onRejected?: (error: unknown) => R) => {
        runs += 1;
        return (runs > 1 ? Promise.reject(new Error('Query was already executed')) : docs).then(onFulfilled, onRejected);
      },
    });
    const cache = new PeriodCache({ ...db.source, loadMonths: (partition, periods) => query(db.source.loadMonths(partition, periods)) as unknown as Promise<Doc[]> });
    expect(byId(await cache.get('all', ['2026-10', '2026-11']))).toEqual({ '2026-10|a': 1, '2026-11|a': 1 });
    expect(runs).toBe(1);
  });
});
