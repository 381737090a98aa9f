import crypto from 'node:crypto';
import type { Connection } from 'mongoose';
import { releaseLease, renewLease, takeLease } from '../data/leases';
import { collectionNamed } from '../data/by-id';

/**
 * The projector's one state document (`projector_state`, `_id` "projector"):
 * - `holder`, `until`: the lease. One instance at a time plans and applies batches; it renews the lease while it
 *   works and lets it go when the inbox is empty. A holder that dies leaves a lease that expires after LEASE_MS.
 * - `applied`: the number of the last batch applied completely.
 * - `open`: the batch being applied, with its plan: written by the one compare-and-set that requires the caller
 *   to hold the lease, `applied` to be what the plan was made after, and no batch to be open. So batch N+1 has
 *   exactly one plan, made from the state after batch N, whoever made it; anyone who finds it open (the holder,
 *   or the next one after a crash) applies that plan and then closes it by setting `applied`.
 * Times are the machine's real time (never a test's clock): leases are between processes.
 */
export const LEASE_MS = 10_000;
export const STATE_ID = 'projector';

export interface OpenBatch {
  batch: number;
  /** inbox items this batch consumes, deleted once it is applied */
  items: string[];
  /** the packed plan (plan.ts) */
  plan: string;
  /** when it was opened, for the logs */
  at: Date;
}

export interface ProjectorState {
  _id: string;
  holder?: string;
  until?: number;
  /** null or absent: no batch applied yet */
  applied?: number | null;
  open?: OpenBatch;
}

export const stateCollection = (db: Connection) => collectionNamed<ProjectorState>(db, 'projector_state');

export async function readState(db: Connection): Promise<ProjectorState> {
  return (await stateCollection(db).findOne({ _id: STATE_ID })) ?? { _id: STATE_ID };
}

/** A lease holder: one per projector (and so per app instance and connection). */
export class Lease {
  readonly holder = crypto.randomUUID();
  private heldUntil = 0;

  constructor(private readonly db: Connection) {}

  /** Whether this holder's lease is still valid by its own reckoning (renewed in time). */
  get held(): boolean {
    return this.heldUntil > Date.now();
  }

  /** Takes the lease if it is free, expired or ours; false when another live holder has it. */
  async acquire(): Promise<boolean> {
    const now = Date.now();
    // A look first (one read by `_id`): a live lease of another holder is the common case while it works.
    const current = await readState(this.db);
    if (current.holder && current.holder !== this.holder && (current.until ?? 0) > now) return false;
    if (!(await takeLease(stateCollection(this.db), STATE_ID, { holder: this.holder, now, until: now + LEASE_MS }))) return false;
    this.heldUntil = now + LEASE_MS;
    return true;
  }

  /** Extends the lease; false (and no longer held) when another holder has taken it over. */
  async renew(): Promise<boolean> {
    const now = Date.now();
    const renewed = await renewLease(stateCollection(this.db), STATE_ID, { holder: this.holder, until: now + LEASE_MS });
    this.heldUntil = renewed ? now + LEASE_MS : 0;
    return this.held;
  }

  async release(): Promise<void> {
    this.heldUntil = 0;
    // The state document holds the batches too: only the lease goes.
    await releaseLease(stateCollection(this.db), STATE_ID, this.holder, { keep: true });
  }
}

/** Opens batch `open.batch` after `applied`; false when the lease, `applied` or an open batch says otherwise. */
export async function openBatch(db: Connection, holder: string, applied: number, open: OpenBatch): Promise<boolean> {
  const result = await stateCollection(db).updateOne(
    { _id: STATE_ID, holder, until: { $gt: Date.now() }, open: { $exists: false }, ...(applied ? { applied } : { applied: { $in: [0, null] } }) },
    { $set: { open } },
  );
  return result.modifiedCount === 1;
}

/** Closes the open batch `batch` as applied; a second close (another instance finished it too) changes nothing. */
export async function closeBatch(db: Connection, batch: number): Promise<void> {
  await stateCollection(db).updateOne({ _id: STATE_ID, 'open.batch': batch }, { $set: { applied: batch }, $unset: { open: '' } });
}
