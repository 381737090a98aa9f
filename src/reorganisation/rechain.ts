import crypto from 'node:crypto';
import { recountUntilStable } from '../dossiers/dossier-import';
import type { Logger } from '../logger';
import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { dayOf } from '../responses/period';
import { newItemId, type Chains } from '../projector/inbox';
import type { Projector } from '../projector/projector';
import { recountViewTotals } from './view-totals-recount';
import { rechainProgress, STATE_ID, stateOf } from '../units/rechain-state';
import { unitsByCode } from '../units/unit-directory';
import { chainOn, sameChain } from '../units/unit-history';
import type { Unit } from '../units/unit.model';
import { collectionOf } from '../data/by-id';
import { releaseLease, renewLease, takeLease } from '../data/leases';

/**
 * Figures and access follow today's unit tree. Every stored answer carries the chain of units above its unit
 * (`unitAncestors`), which decides the scopes it is counted and listed under and who may read it; when a unit moves
 * or merges, the answers below it are moved to the new chain here, in the background: each group of up to 200 is
 * one item for the projector (src/projector/), which moves its figures, its comment and review entries and its
 * follow-up cases exactly once; then the form views (the response rate's denominator) and the dossier figures are
 * recounted. The answer itself (scores, text, unit, time) is never changed.
 *
 * One pass reads every answer once (on FerretDB a scan: minutes at a million) and moves those whose chain differs
 * from today's, so it is idempotent, may stop anywhere and start again, and two passes at once move each answer
 * once. The state lives in the settings document `unit-rechain`: `requested` counts the imports that moved units,
 * `done` the last request a finished pass began after; a lease with a heartbeat (data/leases.ts) keeps a second
 * instance from scanning at the same time, and a lease left by a dead process expires. Pages and the API say "being recomputed"
 * while `done` < `requested`.
 *
 * An answer accepted by an instance that read the tree just before an import is stored with the old chain a few
 * milliseconds later; should the pass have scanned past it by then, the second pass that follows any pass that
 * moved answers finds it. One stored after that second scan too would keep the old chain until the next import's
 * pass: the window is the few milliseconds of one request, twice.
 */
const CLAIM_MS = 5 * 60_000;
const GROUP_SIZE = 200;
const PROGRESS_EVERY = 1000;

/**
 * Runs passes until every request is done, unless another instance holds a live claim (then it returns false and
 * leaves the work to that one; the hourly sweep looks again).
 */
export async function runRechain(models: Models, projector: Projector, now: () => Date = () => new Date()): Promise<boolean> {
  const states = stateOf(models);
  const holder = crypto.randomUUID();
  const claimUntil = () => new Date(now().getTime() + CLAIM_MS);
  if (!(await takeLease(states, STATE_ID, { holder, now: now(), until: claimUntil() }))) return false;
  try {
    let again = true;
    for (let pass = 0; pass < 10 && again; pass++) {
      const requested = (await states.findOne({ _id: STATE_ID }))?.requested ?? 0;
      const moved = await onePass(models, projector, now, async (progress) => {
        if (!(await renewLease(states, STATE_ID, { holder, until: claimUntil(), fields: progress })))
          throw new Error('unit rechain: another instance took the work over');
      });
      await states.updateOne({ _id: STATE_ID, holder }, { $set: { done: requested } });
      // A pass that moved answers is followed by one more, for answers stored with the old chain meanwhile.
      again = moved > 0 || ((await states.findOne({ _id: STATE_ID }))?.requested ?? 0) > requested;
    }
  } finally {
    // The state document holds the requests too: only the claim goes.
    await releaseLease(states, STATE_ID, holder, { keep: true });
  }
  return true;
}

/** Runs the pending passes in the background (after an import, at start-up, in the hourly sweep); logs the outcome. */
export function startRechain(models: Models, projector: Projector, logger: Logger): Promise<void> {
  const started = Date.now();
  return rechainProgress(models)
    .then((pending) => (pending ? runRechain(models, projector) : false))
    .then(
      (ran) => {
        if (ran) logger.info({ ms: Date.now() - started }, 'answers moved to the unit tree of today');
      },
      (error: unknown) => {
        logger.warn({ err: error }, 'moving answers to the unit tree of today failed; the hourly sweep tries again');
      },
    );
}

/** One scan of the answers; returns how many answers it found under another chain than today's (and had moved). */
async function onePass(
  models: Models,
  projector: Projector,
  now: () => Date,
  report: (progress: { scanned: number; total: number; moved: number }) => Promise<void>,
): Promise<number> {
  const units = await unitsByCode(models.Unit);
  const chainsOf = chainsFinder(units);
  const total = await models.Response.estimatedDocumentCount();
  let scanned = 0;
  let moved = 0;
  const groups = new Map<string, { ids: string[]; to: Chains }>();
  const flush = async (key: string) => {
    const group = groups.get(key)!;
    groups.delete(key);
    await projector.enqueue({ _id: newItemId(), kind: 'move', at: now(), responseIds: group.ids, to: group.to });
    moved += group.ids.length;
  };

  await report({ scanned, total, moved });
  const cursor = collectionOf<ResponseDoc>(models.Response).find({}).batchSize(1000);
  for await (const response of cursor) {
    scanned += 1;
    const to = chainsOf(response.unitCode, dayOf(response.submittedAt));
    const from: Chains = { ancestors: response.unitAncestors ?? [], ...(response.unitAncestorsThen ? { then: response.unitAncestorsThen } : {}) };
    if (to && !sameChains(from, to)) {
      const key = [response.unitCode, chainsKey(to)].join('|');
      const group = groups.get(key) ?? { ids: [], to };
      group.ids.push(response._id);
      groups.set(key, group);
      if (group.ids.length >= GROUP_SIZE) await flush(key);
    }
    if (scanned % PROGRESS_EVERY === 0) await report({ scanned, total, moved });
  }
  for (const key of [...groups.keys()]) await flush(key);
  // The moves are applied before the pass says it is done (whichever instance projects them).
  await projector.settled(3600_000);
  await recountViewTotals(models, units);
  await recountUntilStable(models, projector);
  await report({ scanned, total: scanned, moved });
  return moved;
}

/**
 * An answer's chains by its unit and day: today's, and the one on its day where that differs. Undefined for a unit
 * no longer stored (its answers stay as they are). Memoised: a pass asks for the same few thousand pairs a million times.
 */
function chainsFinder(units: ReadonlyMap<string, Unit>): (code: string, day: string) => Chains | undefined {
  const memo = new Map<string, Chains | undefined>();
  return (code, day) => {
    const key = `${code}|${day}`;
    if (memo.has(key)) return memo.get(key);
    const unit = units.get(code);
    let chains: Chains | undefined;
    if (unit) {
      const then = chainOn(units, code, day);
      chains = sameChain(then, unit.ancestors) ? { ancestors: unit.ancestors } : { ancestors: unit.ancestors, then };
    }
    memo.set(key, chains);
    return chains;
  };
}

const sameChains = (a: Chains, b: Chains) => sameChain(a.ancestors, b.ancestors) && sameChain(a.then ?? [], b.then ?? []) && !a.then === !b.then;
const chainsKey = (c: Chains) => `${c.ancestors.join('/')}~${c.then?.join('/') ?? ''}`;
