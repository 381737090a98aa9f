import type { Connection } from 'mongoose';
import { collectionOf } from './data/by-id';
import { InsertRounds } from './data/rounds';
import { ViewCounter } from './forms/view-counter';
import type { Logger } from './logger';
import { createModels } from './models';
import { Projector } from './projector/projector';
import type { ResponseDoc } from './responses/response.model';

/**
 * What one app instance keeps in its own process: made once where the instance is composed (server.ts, or createApp
 * when it is given none, as in most tests) and passed down like any other dependency, never kept in a module.
 * None of it decides what is stored: the database's unique ids, the projector's lease and its batch rule do, in any
 * number of instances. What a crash loses here is a courtesy (read-your-writes), a round of inserts not yet sent
 * (their requests fail and are sent again), or up to a minute of form-view counts (view-counter.ts).
 */
export interface Instance {
  /** takes stored answers and admin changes into figures and lists (src/projector/) */
  projector: Projector;
  /** the answers' insert-once, concurrent answers together (data/rounds.ts) */
  responses: InsertRounds<ResponseDoc>;
  /** form views counted in memory, written every minute (forms/view-counter.ts) */
  views: ViewCounter;
}

export function createInstance(db: Connection, logger?: Logger): Instance {
  const models = createModels(db);
  return {
    projector: new Projector(db, { logger }),
    responses: new InsertRounds(collectionOf<ResponseDoc>(models.Response)),
    views: new ViewCounter(models.LinkView),
  };
}
