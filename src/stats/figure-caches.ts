import mongoose, { type Model } from 'mongoose';
import type { Rollup, RollupModel } from '../responses/rollup.model';
import type { LinkView, LinkViewModel } from '../responses/side-records.model';
import { monthStampId, readStamp, stampModel } from '../stamps';
import { PeriodCache } from './period-cache';

/**
 * One cache per model, i.e. per database connection: tests (and two instances in one process) never share
 * figures across databases. Each is checked against the database's change stamps on every read (period-cache.ts).
 */
const caches = new WeakMap<Model<never>, PeriodCache<never>>();

function cacheFor<T extends { _id: string; period: string }>(model: Model<T>, collection: 'rollups' | 'link_views', monthFilter: (partition: string) => Record<string, unknown>): PeriodCache<T> {
  let cache = caches.get(model as unknown as Model<never>) as PeriodCache<T> | undefined;
  if (!cache) {
    const Stamp = stampModel(model.db);
    cache = new PeriodCache<T>({
      stampId: (partition, period) => monthStampId(collection, partition, period),
      readStamp: (id) => readStamp(Stamp, id),
      // exec(): a promise, not a query. The cache chains several `.then`s on one read, and each `.then` of a
      // mongoose query runs it again (mongoose 9 refuses: "Query was already executed", a 500 on the dashboard).
      loadMonths: (partition, periods) => model.find({ ...monthFilter(partition), period: mongoose.trusted({ $in: periods }) }).lean<T[]>().exec(),
      loadOne: (id) => model.findById(id).lean<T>().exec(),
    });
    caches.set(model as unknown as Model<never>, cache as unknown as PeriodCache<never>);
  }
  return cache;
}

/** Rollups by (kind, month). */
export const rollupCache = (Rollup: RollupModel) => cacheFor<Rollup>(Rollup, 'rollups', (kind) => ({ kind }));

/** Form views by month (partition "all"). */
export const viewCache = (LinkView: LinkViewModel) => cacheFor<LinkView>(LinkView, 'link_views', () => ({}));
