import crypto from 'node:crypto';
import type { Connection } from 'mongoose';
import mongoose from 'mongoose';
import { getOrCreateSetting, newSalt, type SettingModel } from '../settings.model';
import { dayOf } from './period';

/**
 * Client addresses are never stored. Abuse control keeps an HMAC of the address under a salt of the day
 * (Asia/Ho_Chi_Minh), held in the database so that every instance hashes alike, and destroyed with the day's
 * cluster counters ADDRESS_RECORD_DAYS later. From then on a stored hash cannot be tested against any address:
 * it still groups the answers of one cluster on the review page and says nothing about anyone.
 */
export const ADDRESS_RECORD_DAYS = 2;

export const SALT_PREFIX = 'address-salt:';
/** Cluster counters live in one collection per day, so destroying a day is one drop, not a scan (address-clusters.ts). */
export const COUNTS_PREFIX = 'address_counts_';
export const countsCollectionName = (day: string) => `${COUNTS_PREFIX}${day.replace(/-/g, '')}`;

/** 16 bytes of HMAC-SHA256: enough to keep the addresses of one link and hour apart. */
export function hashAddress(salt: string, address: string): string {
  return crypto.createHmac('sha256', salt).update(address).digest('base64url').slice(0, 22);
}

const DAY_MS = 24 * 3600_000;
const firstKeptDay = (now: Date) => dayOf(new Date(now.getTime() - ADDRESS_RECORD_DAYS * DAY_MS));

/**
 * Destroys the salts and cluster counters of days older than the window. Idempotent; any instance may run it
 * (the hourly retention job does, retention.ts, and so does each day's first answer on an instance).
 * The settings collection is tiny, so its range delete costs nothing; counters go a whole collection at a time.
 */
export async function sweepAddressRecords(Setting: SettingModel, connection: Connection, now: Date): Promise<void> {
  const keep = firstKeptDay(now);
  await Setting.deleteMany({ _id: mongoose.trusted({ $gte: SALT_PREFIX, $lt: `${SALT_PREFIX}${keep}` }) });
  const oldest = countsCollectionName(keep);
  const collections = await connection.db!.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections) {
    if (name.startsWith(COUNTS_PREFIX) && name < oldest) await connection.db!.dropCollection(name).catch(() => undefined);
  }
}

/**
 * The salt of `now`'s day, read once per day and instance. The first use of a new day also sweeps old days, in the
 * background: a failure there only delays the sweep to the next day or the next instance.
 */
export function addressSaltProvider(Setting: SettingModel, connection: Connection): (now: Date) => Promise<string> {
  const salts = new Map<string, Promise<string>>();
  return (now) => {
    const day = dayOf(now);
    let salt = salts.get(day);
    if (!salt) {
      salt = getOrCreateSetting(Setting, `${SALT_PREFIX}${day}`, newSalt).catch((error: unknown) => {
        salts.delete(day); // a failed read (database down) is retried next time
        throw error;
      });
      salts.set(day, salt);
      for (const old of salts.keys()) if (old < firstKeptDay(now)) salts.delete(old);
      sweepAddressRecords(Setting, connection, now).catch(() => undefined);
    }
    return salt;
  };
}
