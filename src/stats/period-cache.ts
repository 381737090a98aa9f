import { cellKey } from '../stamps';

/**
 * A copy of documents by (partition, month), checked against the database on every read, so it never serves
 * figures older than the read itself, whichever instance wrote them.
 *
 * Why a copy at all: FerretDB v1 decodes every document of a collection for any query that is not an `_id`
 * lookup (a province's year of rollups took seconds), while a lookup by `_id` is cheap. So a month is read in
 * full once; afterwards each read fetches the month's change stamp by `_id` (stamps.ts) and re-reads by `_id`
 * only the documents whose revision moved, or the whole month when its stamp was reset. Writers bump the stamp
 * after their write lands and readers read it before the data, so a revision seen means data at least that new.
 */
export interface MonthSource<T> {
  /** The stamp id of a partition's month. */
  stampId(partition: string, period: string): string;
  readStamp(stampId: string): Promise<{ reset: number; cells: Record<string, number> }>;
  /** Every document of these months (one query: FerretDB scans once either way). */
  loadMonths(partition: string, periods: string[]): Promise<T[]>;
  /** One document by `_id`, or null when it is gone. */
  loadOne(id: string): Promise<T | null>;
}

interface Month<T> {
  reset: number;
  /** Each document with the stamp revision it is known to be at least as new as. */
  docs: Map<string, { doc: T; rev: number }>;
  /** Revisions seen for ids that have no document (deleted). */
  gone: Map<string, number>;
}

export class PeriodCache<T extends { _id: string; period: string }> {
  private readonly months = new Map<string, Month<T>>();

  constructor(private readonly source: MonthSource<T>) {}

  /** Full reads under way, by month key: concurrent readers of the same months share one scan. */
  private readonly loading = new Map<string, { reset: number; month: Promise<Month<T>> }>();

  async get(partition: string, periods: string[]): Promise<T[]> {
    const key = (period: string) => `${partition}|${period}`;
    const stamps = await Promise.all(periods.map((p) => this.source.readStamp(this.source.stampId(partition, p))));
    const stampOf = new Map(periods.map((p, i) => [p, stamps[i]!]));
    // Months never read, or whose stamp was reset since: read in full, one query for all of them, unless a
    // read of the same month at the same reset is already under way.
    const full = periods.filter((p) => this.months.get(key(p))?.reset !== stampOf.get(p)!.reset && this.loading.get(key(p))?.reset !== stampOf.get(p)!.reset);
    if (full.length) this.loadInFull(partition, full, stampOf);

    const months = await Promise.all(
      periods.map(async (period) => {
        const stamp = stampOf.get(period)!;
        const pending = this.loading.get(key(period));
        const month = pending?.reset === stamp.reset ? await pending.month : this.months.get(key(period))!;
        await this.catchUp(month, stamp.cells);
        return month;
      }),
    );
    // In `_id` order, so that every instance (whatever order it read documents in) lists breakdowns alike.
    return months.flatMap((month) => [...month.docs.values()].map((entry) => entry.doc).sort(byId));
  }

  private loadInFull(partition: string, periods: string[], stampOf: Map<string, { reset: number; cells: Record<string, number> }>): void {
    // Once: a mongoose query is a thenable that runs again for every `then`.
    const all = Promise.resolve(this.source.loadMonths(partition, periods));
    for (const period of periods) {
      const key = `${partition}|${period}`;
      const stamp = stampOf.get(period)!;
      const month = all.then((docs) => {
        // Read after the stamp: every document is at least as new as the revision the stamp gives it.
        const loaded: Month<T> = { reset: stamp.reset, docs: new Map(), gone: new Map() };
        for (const doc of docs) if (doc.period === period) loaded.docs.set(doc._id, { doc, rev: stamp.cells[cellKey(doc._id)] ?? 0 });
        for (const [cell, rev] of Object.entries(stamp.cells)) if (!loaded.docs.has(decodeCellKey(cell))) loaded.gone.set(cell, rev);
        this.months.set(key, loaded);
        return loaded;
      });
      const entry = { reset: stamp.reset, month };
      this.loading.set(key, entry);
      // Settled either way: the next reader starts again after a failure (database down) instead of keeping it.
      void month.then(
        () => this.loading.get(key) === entry && this.loading.delete(key),
        () => this.loading.get(key) === entry && this.loading.delete(key),
      );
    }
  }

  /** Re-reads by `_id` the documents whose stamp revision is newer than the copy's. */
  private async catchUp(month: Month<T>, cells: Record<string, number>): Promise<void> {
    const stale: { id: string; cell: string; rev: number }[] = [];
    for (const [cell, rev] of Object.entries(cells)) {
      const id = decodeCellKey(cell);
      const held = month.docs.get(id)?.rev ?? month.gone.get(cell) ?? 0;
      if (held < rev) stale.push({ id, cell, rev });
    }
    await Promise.all(
      stale.map(async ({ id, cell, rev }) => {
        const doc = await this.source.loadOne(id);
        // Another read of this month may have stored a newer copy meanwhile: keep the newest.
        if ((month.docs.get(id)?.rev ?? month.gone.get(cell) ?? 0) > rev) return;
        if (doc) {
          month.docs.set(id, { doc, rev });
          month.gone.delete(cell);
        } else {
          month.docs.delete(id);
          month.gone.set(cell, rev);
        }
      }),
    );
  }
}

const byId = (a: { _id: string }, b: { _id: string }) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);

const decodeCellKey = (key: string) => key.replace(/%24/g, '$').replace(/%2E/g, '.').replace(/%25/g, '%');
