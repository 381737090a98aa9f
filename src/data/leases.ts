import type { Collection, mongo } from 'mongoose';
import { idIs, type ById } from './by-id';
import { isDuplicateKey } from './write-once';

/**
 * Leases by `_id`: "one of us at a time, and if it dies, another after a while" (a password check of one account,
 * the projector's batches, moving answers after a reorganisation). A lease names its `holder` and the time it is
 * held `until` (a Date or a number of milliseconds, as its document stores it); it is taken when free, expired or
 * already this holder's, by one conditional upsert by `_id`: a live lease of another holder does not match, so the
 * upsert tries to create the `_id` again and is refused. Only its holder renews or releases it. Exact on MongoDB
 * and on FerretDB with our patch (docs/ferretdb-patch.md: conditional updates are atomic), and one command by
 * `_id` either way.
 */
export interface LeaseFields<Time extends number | Date> extends ById {
  holder?: string;
  until?: Time;
}

const byIdAnd = <T extends ById>(id: string, condition: Record<string, unknown>) => ({ ...idIs<T>(id), ...condition }) as mongo.Filter<T>;

/** Takes the lease `id` for `holder` until `until` if it is free, expired by `now` or already this holder's (setting `fields` with it). */
export async function takeLease<Time extends number | Date, T extends LeaseFields<Time>>(
  collection: Collection<T>,
  id: string,
  lease: { holder: string; now: Time; until: Time; fields?: Record<string, unknown> },
): Promise<boolean> {
  const { holder, now, until } = lease;
  try {
    const result = await collection.updateOne(
      byIdAnd<T>(id, { $or: [{ holder: { $exists: false } }, { holder }, { until: { $lte: now } }] }),
      { $set: { ...lease.fields, holder, until } } as mongo.UpdateFilter<T>,
      { upsert: true },
    );
    return result.matchedCount + result.upsertedCount > 0;
  } catch (error) {
    if (isDuplicateKey(error)) return false; // held by another, live
    throw error;
  }
}

/** Extends the lease to `until` (setting `fields` with it); false when `holder` no longer holds it. */
export async function renewLease<Time extends number | Date, T extends LeaseFields<Time>>(
  collection: Collection<T>,
  id: string,
  lease: { holder: string; until: Time; fields?: Record<string, unknown> },
): Promise<boolean> {
  const result = await collection.updateOne(byIdAnd<T>(id, { holder: lease.holder }), {
    $set: { ...lease.fields, until: lease.until },
  } as mongo.UpdateFilter<T>);
  return result.matchedCount === 1;
}

/**
 * Gives the lease up, if `holder` still holds it: the document is deleted, or (`keep`, a document that holds more
 * than the lease) only its lease fields are removed.
 */
export async function releaseLease<T extends LeaseFields<number | Date>>(
  collection: Collection<T>,
  id: string,
  holder: string,
  options: { keep?: boolean } = {},
): Promise<void> {
  const filter = byIdAnd<T>(id, { holder });
  const leaseFields: Record<string, ''> = { holder: '', until: '' };
  if (options.keep) await collection.updateOne(filter, { $unset: leaseFields } as mongo.UpdateFilter<T>);
  else await collection.deleteOne(filter);
}
