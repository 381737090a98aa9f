import crypto from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { collectionOf } from '../data/by-id';
import { releaseLease as releaseLeaseById, takeLease as takeLeaseById } from '../data/leases';

/**
 * "One password check at a time per account", across every app instance: a lease by `_id` with an expiry
 * (data/leases.ts). The expiry frees an account whose checking instance died mid-check.
 */
interface LoginLease {
  _id: string;
  holder: string;
  until: Date;
}

const leaseSchema = new Schema<LoginLease>(
  { _id: String, holder: { type: String, required: true }, until: { type: Date, required: true } },
  { collection: 'login_leases', versionKey: false },
);

export type LoginLeaseModel = Model<LoginLease>;
export const loginLeaseModel = (c: Connection): LoginLeaseModel =>
  (c.models.LoginLease as LoginLeaseModel | undefined) ?? c.model<LoginLease>('LoginLease', leaseSchema);

/** Long enough for a queued argon2 check on a busy machine, short enough that a crashed holder is forgotten soon. */
export const LEASE_MS = 30_000;

/** The holder id when this caller took the lease, null when another check of the account is under way. */
export async function takeLease(Lease: LoginLeaseModel, id: string, now: Date, ms = LEASE_MS): Promise<string | null> {
  const holder = crypto.randomUUID();
  const taken = await takeLeaseById(collectionOf<LoginLease>(Lease), id, { holder, now, until: new Date(now.getTime() + ms) });
  return taken ? holder : null;
}

/** When the lease `id` is free again (now, if it is free or unknown). */
export async function leaseFreeAt(Lease: LoginLeaseModel, id: string, now: Date): Promise<Date> {
  const lease = await Lease.findById(id).lean();
  return lease && lease.until > now ? lease.until : now;
}

export async function releaseLease(Lease: LoginLeaseModel, id: string, holder: string): Promise<void> {
  await releaseLeaseById(collectionOf<LoginLease>(Lease), id, holder);
}
