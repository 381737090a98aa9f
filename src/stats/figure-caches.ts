import mongoose, { type Model } from 'mongoose';
import type { Rollup, RollupModel } from '../responses/rollup.model';
import type { LinkView, LinkViewModel } from '../responses/side-records.model';
import { PeriodCache } from './period-cache';

/**
 * One cache per model, i.e. per database connection: tests (and two instances in one process) never share
 * figures across databases.
 */
const caches = new WeakMap<Model<never>, PeriodCache<never>>();

function cacheFor<T extends { _id: string; period: string }>(model: Model<never>, load: (partition: string, periods: string[]) => Promise<T[]>): PeriodCache<T> {
  let cache = caches.get(model) as PeriodCache<T> | undefined;
  if (!cache) {
    cache = new PeriodCache<T>(load);
    caches.set(model, cache as unknown as PeriodCache<never>);
  }
  return cache;
}

const inPeriods = (periods: string[]) => mongoose.trusted({ $in: periods });

/** Rollups by (kind, month). */
export const rollupCache = (Rollup: RollupModel) =>
  cacheFor<Rollup>(Rollup as unknown as Model<never>, (kind, periods) => Rollup.find({ kind, period: inPeriods(periods) }).lean<Rollup[]>());

/** Form views by month (partition "all"). */
export const viewCache = (LinkView: LinkViewModel) =>
  cacheFor<LinkView>(LinkView as unknown as Model<never>, (_all, periods) => LinkView.find({ period: inPeriods(periods) }).lean<LinkView[]>());
