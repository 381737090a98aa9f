import type { ResponseDoc } from '../responses/response.model';
import type { WorkItem } from './inbox';

/**
 * What the rest of the app needs of the projector, as types alone: a page or the answer's write path depends on
 * these, not on projector.ts, which reaches the lists and the cases it writes (src/review/, src/cases/). The
 * answer's write path never imports those (test/unit/folder-structure.test.ts).
 */

/** Read-your-writes for a page: waits (bounded) until this process's own recent changes are projected. */
export interface Settles {
  settled(timeoutMs?: number): Promise<void>;
}

/** The answer's write path: writes an item to the inbox, has it projected soon, and waits for it in this process's reads. */
export interface TakesItems {
  write(item: WorkItem): Promise<void>;
  nudge(): void;
  track(id: string, stored?: ResponseDoc): void;
}
