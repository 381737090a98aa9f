import type { FigureModel } from './figure.model';

/** How many answers' figure writes one process lets run after their requests have been answered. */
export const WRITE_BEHIND_LIMIT = 64;

/**
 * Figure writes of new answers, finished after the answer's own request has been answered. Once the response is
 * stored with its change mark, the answer cannot be lost or counted twice: if this process dies before the figures
 * hold it, the mark is still there and the repair (repair.ts) finishes it. So the person does not wait for the
 * figure documents' round (the slowest write: the documents every answer of a province shares), and the rounds
 * grow with the load, each carrying more answers per document rewritten.
 *
 * What it keeps in memory is only work not done yet, never figures, and it is bounded: with `limit` answers
 * already behind, the next request waits for its own figures (backpressure instead of a growing queue). Readers in
 * this process wait for the work begun before them (`settled`), so an instance always shows its own answers;
 * another instance sees them once written, within a round.
 */
export class WriteBehind {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly limit = WRITE_BEHIND_LIMIT) {}

  /**
   * Starts `work`; resolves at once, or when `work` is done if `limit` are already running. Never rejects: a
   * failure leaves the change mark, which the repair finishes, and the answer itself is stored already.
   */
  async run(work: () => Promise<void>): Promise<void> {
    const done = work().catch(() => undefined);
    if (this.running.size >= this.limit) return done;
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
  }

  /** Resolves once everything running now has finished (written or left to the repair). */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }

  get size(): number {
    return this.running.size;
  }
}

const behind = new WeakMap<FigureModel, WriteBehind>();
const every = new Set<WriteBehind>();

/** One per model, i.e. per database connection, like the figure committer. */
export function figureWriteBehind(Figure: FigureModel): WriteBehind {
  let queue = behind.get(Figure);
  if (!queue) {
    behind.set(Figure, (queue = new WriteBehind()));
    every.add(queue);
  }
  return queue;
}

/** Every connection's figure writes in this process landed (tests with several app instances in one process). */
export async function allWriteBehindSettled(): Promise<void> {
  await Promise.all([...every].map((queue) => queue.settled()));
}
