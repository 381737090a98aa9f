import { AsyncLocalStorage } from 'node:async_hooks';
import type { Collection, Connection } from 'mongoose';
import type { Logger } from '../logger';
import { Rounds } from '../data/rounds';
import { surveyModel } from '../surveys/survey.model';
import { SurveyCatalog } from '../surveys/survey-catalog';
import { CLUSTER_LIMITS, type ClusterLimits } from './address-clusters';
import { applyPlan } from './apply-plan';
import { batchOf, inboxCollection, type WorkItem } from './inbox';
import { packPlan, planSize, unpackPlan } from './plan';
import { planBatch } from './plan-batch';
import { closeBatch, Lease, LEASE_MS, openBatch, readState, type OpenBatch } from './projector-state';
import type { ResponseDoc } from '../responses/response.model';
import { deleteByIds, existingIds } from '../data/by-id';
import type { Settles, TakesItems } from './ports';

/**
 * The one mechanism that keeps derived data exact: figures of every scope and slice, the comment and review lists
 * and their counts, address clusters and the flags they raise, dossier claims, contacts and follow-up cases. Every
 * change starts as an item in the inbox (inbox.ts); the projector takes the waiting items in batches, plans each
 * batch once (plan-batch.ts), stores the plan in its state document (projector-state.ts) and applies it
 * (apply-plan.ts).
 *
 * Why it is exact with any number of instances, and after any crash:
 * - One lease: one instance at a time plans and applies, renewing the lease every LEASE_MS / 4 and letting it go
 *   when the inbox is empty. A holder that dies is replaced once its lease expires.
 * - One plan per batch number: batch N+1 opens only by a compare-and-set that requires the lease, `applied` = N
 *   and no open batch, with the plan inside. So a holder that lost its lease while planning cannot open a batch, and
 *   an open batch is finished with its own plan by whoever holds the lease next.
 * - One rule per document: every derived document records the last batch applied to it, and batch N writes it
 *   only where that is below N (apply-plan.ts). Batches are applied in order, each wholly before the next is
 *   planned, so a plan applied twice (a holder that was only slow, a crash after some writes) changes nothing twice.
 * - Items leave the inbox only after their batch is applied; then the batch is closed.
 *
 * In this process's memory there is only a courtesy: the ids of the items it wrote and has not seen applied, so its
 * own pages can wait for them (`settled`: read-your-writes, bounded), and its nudges. Losing them loses nothing.
 *
 * One per app instance, made where the instance is composed (instance.ts) and passed to what reads or recounts.
 */
export interface ProjectorOptions {
  logger?: Logger;
  limits?: ClusterLimits;
  /** items per batch */
  batchSize?: number;
  /** the shortest time between the starts of two batches in a row (PACE_MS; tests and scripts may go faster) */
  paceMs?: number;
}

/**
 * Under load a batch starts at most this often: the answers of half a second share one write of each figure document
 * (the documents every answer of a province shares), which leaves more of the database's single writer to the
 * answers being stored. An answer is in every instance's figures within about two batches (docs/benchmarks.md, B2
 * freshness: with 1 s here, up to 2.6 s; with 500 ms, 1.2-1.7 s).
 */
export const PACE_MS = 500;
/** Batches of fewer items than this are not paced: the load is light, and the next answer is taken in at once. */
const PACED_FROM = 32;

/** How long a page waits for this process's own recent changes to be projected before it reads anyway. */
export const SETTLE_MS = 3000;
/** An instance whose items another holder is projecting looks again after this long (the holder may go idle). */
const RETRY_MS = 200;
/** An item waiting this long is taken by any instance's tick (`needsTakeover`), not only by the one that wrote it. */
export const TAKEOVER_MS = 1500;
/** Items this process wrote are waited for only this long (after that they are another instance's business). */
const TRACK_MS = 60_000;

export class Projector implements Settles, TakesItems {
  private readonly lease: Lease;
  private readonly catalog: SurveyCatalog;
  private readonly inserts: Rounds<WorkItem>;
  private draining?: Promise<void>;
  private again = false;
  private retry?: NodeJS.Timeout;
  private readonly local = new Map<string, number>();
  /** answers this instance stored, by their item, until it is applied: a read the planner can skip (plan-batch.ts) */
  private readonly stored = new Map<string, ResponseDoc>();
  private readonly waiters = new Set<() => void>();
  private logger?: Logger;
  private closed = false;
  /** set while `exclusive` work holds the lease in this process: batches wait for it */
  private paused = false;
  private lastBatchItems = 0;
  /** set while `drainAll` runs: no pacing */
  private drainingAll = 0;
  /** the last `exclusive` work queued in this process */
  private exclusiveQueue: Promise<void> = Promise.resolve();

  constructor(
    readonly db: Connection,
    private readonly options: ProjectorOptions = {},
  ) {
    every.add(this);
    this.lease = new Lease(db);
    this.catalog = new SurveyCatalog(surveyModel(db));
    this.logger = options.logger;
    // Items written at the same moment go in one insert (rounds.ts): under a burst, one command for many answers.
    this.inserts = new Rounds(async (items) => {
      await this.inbox.insertMany(items, { ordered: false });
    });
  }

  private get paceMs(): number {
    return this.options.paceMs ?? PACE_MS;
  }

  private get inbox(): Collection<WorkItem> {
    return inboxCollection(this.db);
  }

  /** Writes an item to the inbox (shared with the other items of the moment); resolves once it is stored. */
  write(item: WorkItem): Promise<void> {
    return this.inserts.push(item);
  }

  /**
   * This process waits for `id` in its reads (`settled`), and projects soon. `stored`: the answer an answer item
   * takes in, as this process has just stored it.
   */
  track(id: string, stored?: ResponseDoc): void {
    this.local.set(id, Date.now());
    if (stored) this.stored.set(id, stored);
    this.nudge();
  }

  /** Writes an item and has it projected soon; resolves once the item is stored (not yet applied). */
  async enqueue(item: WorkItem): Promise<void> {
    await this.write(item);
    this.track(item._id);
  }

  /** Projects what waits, now or as soon as the current run ends; never throws (failures are logged and retried). */
  /** The batch running now, if any, as a promise that is always there to wait on. */
  private whenDrained(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  nudge(): void {
    if (this.closed) return;
    if (this.draining || this.paused) {
      this.again = true;
      return;
    }
    this.again = false;
    this.draining = this.drain()
      .catch((error: unknown) => {
        this.logger?.warn({ err: error }, 'projector: a batch failed; it is tried again');
        this.later(1000);
      })
      .finally(() => {
        this.draining = undefined;
        if (this.again) this.nudge();
      });
  }

  private later(ms: number): void {
    if (this.retry || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.nudge();
    }, ms);
    this.retry.unref();
  }

  /** Holds the lease while there is work: batch after batch until the inbox has nothing to apply. */
  private async drain(): Promise<void> {
    if (!(await this.lease.acquire())) {
      // Another instance is projecting; if it goes idle before taking our items, we look again.
      if (this.pendingLocal()) this.later(RETRY_MS);
      return;
    }
    const heartbeat = setInterval(() => void this.lease.renew().catch(() => undefined), LEASE_MS / 4);
    heartbeat.unref();
    try {
      // `exclusive` work waiting in this process stops the run after its current batch.
      while (this.lease.held && !this.closed && !this.paused) {
        const started = Date.now();
        const outcome = await this.step();
        if (outcome === 'idle') break;
        // Paced only under load (a batch that took in many items) and not while a script drains the inbox.
        const pace = this.lastBatchItems >= PACED_FROM && !this.drainingAll ? this.paceMs - (Date.now() - started) : 0;
        if (pace > 0) await new Promise((resolve) => setTimeout(resolve, pace));
        if (outcome === 'waiting') {
          // Answers whose items arrived before the answers themselves (microseconds, or a failed store).
          if (this.pendingLocal()) this.later(100);
          break;
        }
      }
    } finally {
      clearInterval(heartbeat);
      await this.lease.release().catch(() => undefined);
    }
  }

  /** One batch: finish the open one, or plan, open and apply the next. */
  private async step(): Promise<'progress' | 'idle' | 'waiting'> {
    const state = await readState(this.db);
    if (state.open) {
      await this.finish(state.open);
      return 'progress';
    }
    const applied = state.applied ?? 0;
    const size = this.options.batchSize ?? 500;
    const fetched = await this.inbox.find({}, { sort: { _id: 1 }, limit: size, batchSize: size }).toArray();
    if (!fetched.length) return 'idle';
    const started = Date.now();
    const context = { db: this.db, scaleOf: this.catalog.scaleOf, limits: this.options.limits ?? CLUSTER_LIMITS, stored: this.stored };
    const head = batchOf(fetched, size);
    let planned = await planBatch(context, head);
    // A head that must wait for answers whose own items come after it: the whole read is planned, as before.
    if (!planned.consumed.length && head.length < fetched.length) planned = await planBatch(context, fetched);
    if (!planned.consumed.length) return 'waiting';
    const open: OpenBatch = { batch: applied + 1, items: planned.consumed, plan: packPlan(planned.plan), at: new Date() };
    const planMs = Date.now() - started;
    if (!(await openBatch(this.db, this.lease.holder, applied, open))) {
      // Lost the lease, or the state moved under us: read it again (renewing tells which).
      await this.lease.renew();
      return 'progress';
    }
    const times = await this.finish(open);
    this.lastBatchItems = open.items.length;
    this.logger?.debug(
      {
        batch: open.batch,
        items: open.items.length,
        deferred: planned.deferred,
        planBytes: open.plan.length,
        writes: planSize(planned.plan),
        planMs,
        ...times,
        ms: Date.now() - started,
      },
      'projector: batch applied',
    );
    return 'progress';
  }

  private async finish(open: OpenBatch): Promise<{ applyMs: number; closeMs: number }> {
    const started = Date.now();
    await applyPlan(this.db, open.batch, unpackPlan(open.plan));
    const applyMs = Date.now() - started;
    await deleteByIds(this.inbox, open.items);
    await closeBatch(this.db, open.batch);
    for (const id of open.items) {
      this.local.delete(id);
      this.stored.delete(id);
    }
    for (const wake of [...this.waiters]) wake();
    return { applyMs, closeMs: Date.now() - started - applyMs };
  }

  private pendingLocal(): boolean {
    const oldest = Date.now() - TRACK_MS;
    for (const [id, at] of this.local) {
      if (at >= oldest) continue;
      this.local.delete(id);
      this.stored.delete(id);
    }
    return this.local.size > 0;
  }

  /**
   * Resolves once the items this process wrote so far are applied (read-your-writes for its own pages), or after
   * `timeoutMs`: a page never waits long for another instance's projector.
   */
  async settled(timeoutMs = SETTLE_MS): Promise<void> {
    if (this.closed || !this.pendingLocal()) return;
    const ids = [...this.local.keys()];
    const until = Date.now() + timeoutMs;
    for (let round = 0; ; round++) {
      // Applied by another instance (any instance's tick may take the lease): gone from the inbox. Looked at first,
      // so a read after such a batch costs one read by ids, not 100 ms of waiting.
      if (!this.draining) await this.forgetAppliedElsewhere(ids).catch(() => undefined);
      if (!ids.some((id) => this.local.has(id)) || Date.now() >= until) return;
      if (round === 0) this.nudge();
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, 100);
        this.waiters.add(wake);
      });
    }
  }

  private async forgetAppliedElsewhere(ids: readonly string[]): Promise<void> {
    const remaining = ids.filter((id) => this.local.has(id));
    if (!remaining.length) return;
    const present = await existingIds(this.inbox, remaining);
    for (const id of remaining) if (!present.has(id)) this.local.delete(id);
  }

  /**
   * Whether another instance's work needs this one (the periodic tick looks before it nudges): a batch left open,
   * or an item that has waited TAKEOVER_MS. An instance projects its own items as it writes them (`track`), and
   * plans them without reading its answers back (`stored`); an idle instance that took the lease whenever the inbox
   * was not empty planned the busy one's answers by reading each of them (2-3× the plan time under B2's load,
   * docs/benchmarks.md, session 9). An instance that died leaves items that soon wait that long.
   */
  async needsTakeover(now = Date.now()): Promise<boolean> {
    if ((await readState(this.db)).open) return true;
    const [oldest] = await this.inbox.find({}, { sort: { _id: 1 }, limit: 1, projection: { at: 1 } }).toArray();
    return Boolean(oldest) && now - new Date(oldest!.at).getTime() >= TAKEOVER_MS;
  }

  /**
   * Projects until nothing waits that can be applied now (scripts, the demo seed, tests): items whose answers are
   * not stored yet are left for later.
   */
  async drainAll(timeoutMs = 600_000): Promise<void> {
    this.drainingAll += 1;
    try {
      await this.drainUntilEmpty(timeoutMs);
    } finally {
      this.drainingAll -= 1;
    }
  }

  private async drainUntilEmpty(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      while (this.draining) await this.draining;
      this.nudge();
      await this.whenDrained();
      const state = await readState(this.db);
      const waiting = await this.inbox.countDocuments({});
      if (!state.open && (!waiting || (await this.onlyDeferred()))) return;
      if (Date.now() > until) throw new Error(`projector: ${waiting} items still waiting after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** True when every waiting item must wait (a plan of them consumes nothing). */
  private async onlyDeferred(): Promise<boolean> {
    const items = await this.inbox
      .find({})
      .sort({ _id: 1 })
      .limit(this.options.batchSize ?? 500)
      .toArray();
    const planned = await planBatch({ db: this.db, scaleOf: this.catalog.scaleOf, limits: this.options.limits ?? CLUSTER_LIMITS }, items);
    return planned.consumed.length === 0;
  }

  /**
   * Runs `work` while holding the lease, after any open batch is finished: no batch is planned or applied
   * meanwhile, on any instance (recounts from the stored answers, the rebuild's fix, one-time migrations).
   * `work` gets the number of the last batch applied; documents it writes carry it, so later batches apply on top.
   */
  async exclusive<T>(work: (applied: number) => Promise<T>, timeoutMs = 600_000): Promise<T> {
    // Nested (a recount inside a migration): the lease is already held for this very work.
    const inside = exclusiveWork.getStore();
    if (inside?.projector === this) return work(inside.applied);
    // One at a time in this process: they share one lease holder, so the lease alone would not keep them apart.
    const previous = this.exclusiveQueue;
    let done!: () => void;
    this.exclusiveQueue = new Promise<void>((resolve) => (done = resolve));
    await previous;
    this.paused = true;
    try {
      while (this.draining) await this.draining;
      const until = Date.now() + timeoutMs;
      while (!(await this.lease.acquire())) {
        if (Date.now() > until) throw new Error('projector: the lease stayed taken');
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
      const heartbeat = setInterval(() => void this.lease.renew().catch(() => undefined), LEASE_MS / 4);
      heartbeat.unref();
      try {
        const state = await readState(this.db);
        if (state.open) await this.finish(state.open);
        const applied = state.open?.batch ?? state.applied ?? 0;
        return await exclusiveWork.run({ projector: this, applied }, () => work(applied));
      } finally {
        clearInterval(heartbeat);
        await this.lease.release().catch(() => undefined);
      }
    } finally {
      this.paused = false;
      done();
      if (this.again || this.pendingLocal()) this.nudge();
    }
  }

  /** Stops projecting in this process (shutdown): the current batch ends, the lease is let go. */
  async close(): Promise<void> {
    this.closed = true;
    every.delete(this);
    if (this.retry) clearTimeout(this.retry);
    await this.draining;
  }
}

/** The `exclusive` work running in the current async context, so that work nested in it runs at once. */
const exclusiveWork = new AsyncLocalStorage<{ projector: Projector; applied: number }>();

/**
 * The projectors of this process that are not closed, for `allProjectorsSettled` alone: tests that run several apps
 * in one process wait for all of them. Nothing reads it to decide what is written.
 */
const every = new Set<Projector>();

export type { Settles } from './ports';

/** Every projector of this process has applied what it wrote (tests with several apps in one process). */
export async function allProjectorsSettled(timeoutMs = 60_000): Promise<void> {
  await Promise.all([...every].map((projector) => projector.settled(timeoutMs)));
}
