import { bulkRefusals } from './write-once';

/**
 * Group commit: work queued while a round is under way goes together in the next round. Under a burst of answers a
 * round carries many changes in a few database commands; alone, a change goes at once. Each caller's promise
 * settles when its own item has been written (or has failed). One queue per process and collection: what it keeps
 * is only the writes not made yet, and a process that dies leaves their change marks for the repair.
 */
export class Rounds<T> {
  private queue: { item: T; done: () => void; failed: (error: unknown) => void; tries: number }[] = [];
  private running = false;

  /** `round` writes a batch and returns the items to try again in a later round (a compare-and-set lost). */
  constructor(
    private readonly round: (items: T[]) => Promise<T[]>,
    private readonly maxPerRound = 500,
    private readonly maxTries = 50,
  ) {}

  push(item: T): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.queue.push({ item, done, failed, tries: 0 });
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxPerRound);
        let again: Set<T>;
        try {
          again = new Set(await this.round(batch.map((entry) => entry.item)));
        } catch (error) {
          for (const entry of batch) entry.failed(error);
          continue;
        }
        for (const entry of batch) {
          if (!again.has(entry.item)) entry.done();
          else if (++entry.tries >= this.maxTries) entry.failed(new Error('a compare-and-set kept losing; the change is left to the repair'));
          else this.queue.push(entry);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

interface InsertItem {
  doc: { _id: string };
  inserted?: boolean;
}
const insertRounds = new WeakMap<object, Rounds<InsertItem>>();

/**
 * Inserts one document unless its `_id` is taken (true when this call inserted it), with the other inserts into
 * the same collection waiting at that moment: one insert per round. Of several callers with the same `_id` in a
 * round only the first tries (a parents' meeting behind one address); the others are told it is taken. The insert
 * is ordered, so that a refusal says exactly what went in (FerretDB stops an unordered insert at its first refusal
 * too, without saying which of the rest did): the documents before it are in, it is refused, and the ones after it
 * are sent again at once, so each refusal costs one more command.
 */
export async function insertOnceInRounds(
  collection: { insertMany(docs: never[], options: { ordered: boolean }): Promise<unknown> },
  doc: { _id: string },
): Promise<boolean> {
  let rounds = insertRounds.get(collection);
  if (!rounds) {
    rounds = new Rounds<InsertItem>(async (items) => {
      const firsts = new Map<string, InsertItem>();
      for (const item of items) {
        if (firsts.has(item.doc._id)) item.inserted = false;
        else firsts.set(item.doc._id, item);
      }
      let rest = [...firsts.values()];
      while (rest.length) {
        const [refused] = await bulkRefusals(() => collection.insertMany(rest.map((item) => item.doc) as never[], { ordered: true }));
        const stop = refused ?? rest.length;
        rest.forEach((item, i) => {
          if (i <= stop) item.inserted = i < stop;
        });
        rest = rest.slice(stop + 1);
      }
      return [];
    });
    insertRounds.set(collection, rounds);
  }
  const item: InsertItem = { doc };
  await rounds.push(item);
  return item.inserted === true;
}
