import type { Connection } from 'mongoose';
import { periodOf } from '../responses/period';
import { QUESTION_BANK } from '../surveys/question-bank';
import { unitModel } from '../units/unit.model';
import { unitsByCode } from '../units/unit-directory';
import type { PlanBuilder } from './plan';
import { collectionNamed, readByIds } from '../data/by-id';

/**
 * The `rated` count of the dossier figures (dossiers/dossier-figures.ts): returned dossiers whose code some survey
 * answer claimed. The dossier import recounts it from the claims; between imports the projector adds each dossier
 * the moment an answer first claims its code, in the batch that inserts the claim, so the share of rated dossiers
 * follows the answers (it used to wait for an hourly recount).
 *
 * Exact with the recount because both count a dossier once, whichever survey claimed it, and the recount runs while
 * no batch is applied (it holds the projector's lease: dossier-import.ts). A dossier imported after its claim, or
 * returned later, is counted by that import's recount; one not returned yet has no month to count in.
 */

/** The surveys that take a dossier code: a code's claims are "<survey key>:<hash>" under each (dossier-claim.ts). */
const CLAIMING_SURVEYS = QUESTION_BANK.filter((definition) => definition.dossierCode === 'optional').map((definition) => definition.key);

const hashOf = (claimId: string) => claimId.slice(claimId.indexOf(':') + 1);

interface ClaimedDossier {
  _id: string;
  unitCode: string;
  returnedAt?: Date;
}

/** A dossier figure's `_id` (dossierFigureId in dossiers/dossier-figures.ts, which reads them). */
const figureId = (period: string, scope: string) => `${period}|${scope}`;

export class RatedDossiers {
  /** hashes some claim already names (stored, or inserted earlier in this batch) */
  private readonly claimed = new Set<string>();
  /** the stored claims read, by id: the planner's too (one read of the claims per batch) */
  private readonly stored = new Map<string, { _id: string; retryTag: string }>();
  private readonly dossiers = new Map<string, ClaimedDossier>();
  private ancestors: ReadonlyMap<string, { ancestors: string[] }> = new Map();

  constructor(private readonly db: Connection) {}

  /**
   * Reads, for the claims a batch may insert, every survey's claim of the same code (`storedClaim` gives them to
   * the planner) and the dossiers they name.
   */
  async prefetch(claimIds: readonly string[]): Promise<void> {
    const hashes = [...new Set(claimIds.map(hashOf))];
    if (!hashes.length) return;
    const siblings = [...new Set([...hashes.flatMap((hash) => CLAIMING_SURVEYS.map((key) => `${key}:${hash}`)), ...claimIds])];
    const claims = collectionNamed<{ _id: string; retryTag: string }>(this.db, 'dossier_claims');
    for (const claim of (await readByIds(claims, siblings, { _id: 1, retryTag: 1 })).values()) {
      this.claimed.add(hashOf(claim._id));
      this.stored.set(claim._id, claim);
    }
    const found = [...(await readByIds(collectionNamed<ClaimedDossier>(this.db, 'dossiers'), hashes, { unitCode: 1, returnedAt: 1 })).values()];
    for (const dossier of found) this.dossiers.set(dossier._id, dossier);
    if (found.some((dossier) => dossier.returnedAt)) this.ancestors = await unitsByCode(unitModel(this.db));
  }

  /** The claim stored under `id` when the batch was read, or null. */
  storedClaim(id: string): { _id: string; retryTag: string } | null {
    return this.stored.get(id) ?? null;
  }

  /** A claim this batch inserts: its dossier, if returned and not claimed before, is rated in its month's figures. */
  claim(plan: PlanBuilder, claimId: string): void {
    const hash = hashOf(claimId);
    if (this.claimed.has(hash)) return;
    this.claimed.add(hash);
    const dossier = this.dossiers.get(hash);
    if (!dossier?.returnedAt) return;
    const period = periodOf(dossier.returnedAt);
    for (const scope of [dossier.unitCode, ...(this.ancestors.get(dossier.unitCode)?.ancestors ?? [])]) {
      // The import's recount made the document (the dossier is returned); a new one is the shape it would make.
      plan.inc('dossier_figures', figureId(period, scope), { rated: 1 }, { period, scope, returned: 0, onTime: 0, rated: 0, openDue: [] });
    }
  }
}
