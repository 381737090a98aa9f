import type { Connection } from 'mongoose';
import { Projector } from '../../src/projector/projector';

/**
 * Takes every waiting change into figures and lists now, as any instance's projector would: a projector of its own,
 * closed after (the projectors of apps in this process take their turns on the same lease).
 */
export async function drainProjections(db: Connection): Promise<void> {
  const projector = new Projector(db);
  try {
    await projector.drainAll();
  } finally {
    await projector.close();
  }
}
