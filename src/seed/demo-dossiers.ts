import type { DossierRow } from '../dossiers/dossier-rows';
import type { DossierChannel } from '../dossiers/dossier.model';
import { DEMO_PROCEDURES } from './demo-units';
import { prng } from './synthetic-responses';

const DAY = 24 * 3600_000;
const SEED = 151515;

/**
 * A year of the one-stop desk's dossiers for the demo province, ending at `now`: the desk's procedures, handling
 * times of 3 to 15 days, about 4% returned late (most with the apology letter), and the dossiers received lately
 * still open, a few of them already past their due date; with the one-stop columns (fee paid online, result
 * digitised, complaint). Deterministic for a given `now`.
 */
export function demoDossierRows(now: Date, count = 600): DossierRow[] {
  const random = prng(SEED);
  // The one-stop columns of issue #28 from a stream of their own, so the dossiers above stay as they were.
  const extra = prng(SEED + 1);
  const rows: DossierRow[] = [];
  for (let i = 0; i < count; i++) {
    const procedure = DEMO_PROCEDURES[i % DEMO_PROCEDURES.length]!;
    const receivedAt = new Date(now.getTime() - Math.floor(random() * 365 * DAY));
    const dueAt = new Date(receivedAt.getTime() + (3 + Math.floor(random() * 13)) * DAY);
    const late = random() < 0.04;
    const wanted = late ? dueAt.getTime() + (1 + Math.floor(random() * 5)) * DAY : receivedAt.getTime() + random() * (dueAt.getTime() - receivedAt.getTime());
    const channelDraw = random();
    const channel: DossierChannel = channelDraw < 0.5 ? 'online' : channelDraw < 0.9 ? 'direct' : 'postal';
    const apologySent = late && random() < 0.7;
    rows.push({
      line: i + 2,
      code: `DEMO-${procedure.code}-${String(i).padStart(4, '0')}`,
      procedureCode: procedure.code,
      procedureName: procedure.name,
      unitCode: 'MOTCUA',
      receivedAt,
      dueAt,
      // Not returned yet when that moment is still ahead.
      ...(wanted <= now.getTime() ? { returnedAt: new Date(wanted) } : {}),
      channel,
      apologySent,
      // Two procedures in three have a fee; most online filers pay online, few at the desk do.
      paidOnline: i % 3 === 2 ? null : extra() < (channel === 'online' ? 0.7 : 0.1),
      digitised: extra() < 0.65,
      complaint: extra() < 0.02,
    });
  }
  return rows;
}
