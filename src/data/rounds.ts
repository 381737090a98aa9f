import type { Collection, mongo } from 'mongoose';
import type { ById } from './by-id';
import { bulkRefusals } from './write-once';

/**
 * Group commit: work queued while a round is under way goes together in the next round. Under a burst of answers a
 * round carries many changes in a few database commands; alone, a change goes at once. Each caller's promise
 * settles when its own item has been written (or has failed with its round). What a queue keeps is only the writes
 * not made yet: their callers are still waiting, and a process that dies fails their requests, which are sent again.
 */
export class Rounds<T> {
  private queue: { item: T; done: () => void; failed: (error: unknown) => void }[] = [];
  private running = false;

  /** `round` writes a batch of items; if it throws, every item of the batch fails. */
  constructor(
    private readonly round: (items: T[]) => Promise<void>,
    private readonly maxPerRound = 500,
  ) {}

  push(item: T): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.queue.push({ item, done, failed });
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxPerRound);
        try {
          await this.round(batch.map((entry) => entry.item));
        } catch (error) {
          for (const entry of batch) entry.failed(error);
          continue;
        }
        for (const entry of batch) entry.done();
      }
    } finally {
      this.running = false;
    }
  }
}

interface InsertItem<T> {
  doc: T;
  inserted?: boolean;
}

/**
 * Inserts one document at a time unless its `_id` is taken (true when this call inserted it), with the other inserts
 * into the same collection waiting at that moment: one insert per round. Of several callers with the same `_id` in
 * a round only the first tries (a parents' meeting behind one address); the others are told it is taken. The insert
 * is ordered, so that a refusal says exactly what went in (FerretDB stops an unordered insert at its first refusal
 * too, without saying which of the rest did): the documents before it are in, it is refused, and the ones after it
 * are sent again at once, so each refusal costs one more command.
 *
 * One per collection, made where the instance is composed (instance.ts) and passed down: what it keeps is only the inserts
 * not made yet; whether a document went in is decided by the database's unique `_id`, in any number of instances.
 */
export class InsertRounds<T extends ById> {
  private readonly rounds = new Rounds<InsertItem<T>>((items) => this.round(items));

  constructor(private readonly collection: Collection<T>) {}

  async insertOnce(doc: T): Promise<boolean> {
    const item: InsertItem<T> = { doc };
    await this.rounds.push(item);
    return item.inserted === true;
  }

  private async round(items: InsertItem<T>[]): Promise<void> {
    const firsts = new Map<string, InsertItem<T>>();
    for (const item of items) {
      if (firsts.has(item.doc._id)) item.inserted = false;
      else firsts.set(item.doc._id, item);
    }
    let rest = [...firsts.values()];
    while (rest.length) {
      // The documents carry their `_id`; a generic T hides that from the driver's insert type.
      const docs = rest.map((item) => item.doc) as mongo.OptionalUnlessRequiredId<T>[];
      const [refused] = await bulkRefusals(() => this.collection.insertMany(docs, { ordered: true }));
      const stop = refused ?? rest.length;
      rest.forEach((item, i) => {
        if (i <= stop) item.inserted = i < stop;
      });
      rest = rest.slice(stop + 1);
    }
  }
}
