import type { Connection } from 'mongoose';
import { clusterFigureId, isPending } from '../review/review-entries';
import { clusterKeyOf, isClustered } from '../review/review-clusters';
import { caseFor, caseIdOf, dueDaysOf, dueDaysSettingId } from '../cases/case-service';
import type { Flag, ResponseDoc } from '../responses/response.model';
import { leafIncrement } from '../figures/counters';
import { countIntoCluster, countsOf, type AddressCounts, type ClusterLimits, type Sweep } from './address-clusters';
import { inboxCollection, itemTime, type AnswerItem, type CommentItem, type DecisionItem, type MoveItem, type WorkItem } from './inbox';
import { planListChanges } from './list-changes';
import { PlanBuilder, type Plan } from './plan';
import { RatedDossiers } from './rated-dossiers';
import { cooperative } from './yielding';
import { collectionNamed, existingIds, readByIds, type ById } from '../data/by-id';

/**
 * Plans one batch: reads what the batch's items are about (their responses, cluster counters, dossier claims and
 * dossiers, the due-day settings: one query by ids each) and decides, item by item in order of arrival, every
 * derived write, merged per document (plan.ts). Nothing is written here: the plan is stored with the batch before
 * any of it is applied, so a crash halfway through is finished with the same decisions.
 *
 * Each change of a response is "derived state before" to "after": its figures (every scope and slice: changeWrites),
 * its list entries and their counts (list-changes.ts), and the response's own projected fields. A new answer has
 * nothing derived before; an admin's decision, a comment's status and a unit move start from what the projector
 * made of the response last. The batch keeps its own view of every response and cluster it changed, so two items
 * about one response in one batch follow each other.
 */
export interface PlannerDeps {
  db: Connection;
  scaleOf: (surveyKey: string, version: number) => Promise<number>;
  limits: ClusterLimits;
  /**
   * Answers this instance stored itself, exactly as stored, by their answer item's id, so those items need no read
   * of the answer: stored because the insert said so, and nothing but the projector changes an answer after that.
   */
  stored?: ReadonlyMap<string, ResponseDoc>;
}

/**
 * An answer item whose response is not stored after this long belongs to a request that failed or died between its
 * two writes: dropped. Four times the driver's socket timeout (30 s, db.ts), the longest a write stays in flight.
 */
export const ORPHAN_MS = 2 * 60_000;

export interface PlannedBatch {
  plan: Plan;
  /** items planned or dropped: deleted once the batch is applied */
  consumed: string[];
  /** items left for a later batch (an answer not stored yet, or work on an answer not projected yet) */
  deferred: number;
}

/** The fields of a response the projector writes (the rest never changes after the answer is stored). */
const PROJECTED_FIELDS = [
  'counted',
  'flags',
  'ratedDossier',
  'reviewedBy',
  'reviewedAt',
  'reviews',
  'commentStatus',
  'commentTags',
  'unitAncestors',
  'unitAncestorsThen',
] as const;

/** What a response adds to the figures depends only on these (everything else is fixed when it is stored). */
const figureKey = (r: ResponseDoc) => JSON.stringify([r.counted, r.unitAncestors, r.unitAncestorsThen ?? null, r.ratedDossier ?? false]);

const responseIdsOf = (item: WorkItem): string[] => (item.kind === 'answer' || item.kind === 'comment' ? [item.responseId] : item.responseIds);

export async function planBatch(deps: PlannerDeps, items: readonly WorkItem[], now = Date.now()): Promise<PlannedBatch> {
  const planner = new BatchPlanner(deps, now);
  await planner.prefetch(items);
  // Answers first: an answer is always taken in before anything else touches it (see `touchable`).
  const ordered = [...items.filter((i) => i.kind === 'answer'), ...items.filter((i) => i.kind !== 'answer')];
  const blocked = new Set<string>();
  const consumed: string[] = [];
  let deferred = 0;
  const pause = cooperative();
  for (const item of ordered) {
    await pause();
    const ids = responseIdsOf(item);
    // Work on a response waits behind earlier work on it that had to wait.
    const outcome = ids.some((id) => blocked.has(id)) ? 'defer' : await planner.planItem(item);
    if (outcome === 'defer') {
      for (const id of ids) blocked.add(id);
      deferred += 1;
    } else consumed.push(item._id);
  }
  return { plan: planner.plan.build(), consumed, deferred };
}

type Outcome = 'planned' | 'dropped' | 'defer';

class BatchPlanner {
  readonly plan = new PlanBuilder();
  /** every response the batch reads, as stored now, then as the batch changes it */
  private readonly responses = new Map<string, ResponseDoc | null>();
  private readonly counts = new Map<string, AddressCounts>();
  private readonly claims = new Map<string, { _id: string; retryTag: string } | null>();
  private readonly dueDays = new Map<string, number>();
  private readonly rated: RatedDossiers;
  /** answers whose own item is still in the inbox: not taken in yet, so nothing else may touch them */
  private readonly waiting = new Set<string>();

  constructor(
    private readonly deps: PlannerDeps,
    private readonly now: number,
  ) {
    this.rated = new RatedDossiers(deps.db);
  }

  private async readInto<T extends ById>(name: string, ids: readonly string[], into: Map<string, T | null>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !into.has(id));
    const found = await readByIds(collectionNamed<T>(this.deps.db, name), missing);
    for (const id of missing) into.set(id, found.get(id) ?? null);
  }

  /** One read per kind of thing the items are about, before any of them is planned. */
  async prefetch(items: readonly WorkItem[]): Promise<void> {
    for (const item of items) {
      if (item.kind !== 'answer') continue;
      const known = this.deps.stored?.get(item._id);
      if (known && known._id === item.responseId && known.intake === item._id) this.responses.set(known._id, known);
    }
    await this.readInto('responses', items.flatMap(responseIdsOf), this.responses);
    // An answer keeps the id of the item that takes it in; while that item waits, the answer is not projected.
    const intakes = new Map<string, string>();
    for (const item of items)
      if (item.kind !== 'answer') for (const id of responseIdsOf(item)) if (this.responses.get(id)?.intake) intakes.set(this.responses.get(id)!.intake!, id);
    const read = new Set(items.map((item) => item._id));
    const unread = [...intakes.keys()].filter((intake) => !read.has(intake));
    const pending = new Set([...intakes.keys()].filter((intake) => read.has(intake)));
    for (const found of await existingIds(inboxCollection(this.deps.db), unread)) pending.add(found);
    for (const intake of pending) this.waiting.add(intakes.get(intake)!);
    const answers = items.filter((i): i is AnswerItem => i.kind === 'answer');
    const claimIds = answers.flatMap((i) => (i.claim ? [i.claim.id] : []));
    const countIds = new Map<string, string[]>();
    const kinds = new Set<string>();
    for (const item of answers) {
      const r = this.responses.get(item.responseId);
      if (!r || r.intake !== item._id) continue;
      if (r.addressHash) {
        const { collection, id } = countsOf(r);
        countIds.set(collection, [...(countIds.get(collection) ?? []), id]);
      }
      if (item.contact) kinds.add(r.kind);
    }
    await Promise.all([
      ...[...countIds].map(async ([collection, ids]) => {
        const found = new Map<string, AddressCounts | null>();
        await this.readInto<AddressCounts>(collection, ids, found);
        for (const [id, doc] of found) this.counts.set(`${collection}|${id}`, doc ?? { _id: id });
      }),
      this.rated.prefetch(claimIds),
      (async () => {
        const settings = new Map<string, { _id: string; value?: string } | null>();
        await this.readInto('settings', [...kinds].map(dueDaysSettingId), settings);
        for (const kind of kinds) this.dueDays.set(kind, dueDaysOf(settings.get(dueDaysSettingId(kind))?.value));
      })(),
    ]);
    for (const id of claimIds) this.claims.set(id, this.rated.storedClaim(id));
  }

  async planItem(item: WorkItem): Promise<Outcome> {
    switch (item.kind) {
      case 'answer':
        return this.answer(item);
      case 'decision':
        return this.decision(item);
      case 'comment':
        return this.comment(item);
      case 'move':
        return this.move(item);
    }
  }

  /**
   * Work on stored answers waits until each has been taken in (its answer item applied); answers no longer stored
   * are left out. Null: wait.
   */
  private touchable(ids: readonly string[]): ResponseDoc[] | null {
    const found = ids.map((id) => this.responses.get(id)).filter((r): r is ResponseDoc => Boolean(r));
    return found.some((r) => this.waiting.has(r._id)) ? null : found;
  }

  private async scaleOf(r: ResponseDoc): Promise<number> {
    return this.deps.scaleOf(r.surveyKey, r.surveyVersion);
  }

  /**
   * One response from `before` (what the figures and lists hold of it; null: nothing yet) to `after`: its figure
   * writes, list writes and own fields. The batch's view of it becomes `after`.
   */
  private async change(before: ResponseDoc | null, after: ResponseDoc): Promise<void> {
    const stored = this.responses.get(after._id)!;
    if (!before || figureKey(before) !== figureKey(after)) {
      const scale = await this.scaleOf(after);
      if (before?.counted) this.plan.addLeaf(before, leafIncrement(before, -1), scale);
      if (after.counted) this.plan.addLeaf(after, leafIncrement(after, 1), scale);
    }
    planListChanges(this.plan, before, after);
    const set: Record<string, unknown> = {};
    const unset: string[] = [];
    for (const field of PROJECTED_FIELDS) {
      if (JSON.stringify(stored[field]) === JSON.stringify(after[field])) continue;
      if (after[field] === undefined) unset.push(field);
      else set[field] = after[field];
    }
    if (Object.keys(set).length) this.plan.set('responses', after._id, set, { existing: true });
    if (unset.length) this.plan.unset('responses', after._id, unset, { existing: true });
    this.responses.set(after._id, after);
  }

  /** A new answer: its cluster, its dossier claim, then into figures and lists, with its contact and case. */
  private async answer(item: AnswerItem): Promise<Outcome> {
    const stored = this.responses.get(item.responseId);
    if (!stored) return this.now - itemTime(item._id) > ORPHAN_MS ? 'dropped' : 'defer';
    // Another attempt of the same form was stored (a replay, a double click): its own item takes it in.
    if (stored.intake !== item._id) return 'dropped';

    const flags: Flag[] = [...stored.flags];
    let sweeps: Sweep[] = [];
    if (stored.addressHash) {
      const { collection, id } = countsOf(stored);
      const cluster = countIntoCluster(this.plan, this.counts.get(`${collection}|${id}`)!, stored, this.deps.limits);
      for (const flag of cluster.flags) if (!flags.includes(flag)) flags.push(flag);
      sweeps = cluster.sweeps;
    }
    let ratedDossier = stored.ratedDossier === true;
    // Only an unflagged answer claims a code (dossier-claim.ts).
    if (item.claim && flags.length === 0) {
      const claim = this.claims.get(item.claim.id);
      if (!claim) {
        const created = { _id: item.claim.id, retryTag: item.claim.tag };
        this.claims.set(item.claim.id, created);
        // No time, and written in the order of ids (plan.ts): nothing in a claim leads to its answer.
        this.plan.insert('dossier_claims', created);
        this.rated.claim(this.plan, item.claim.id);
        ratedDossier = true;
      } else if (claim.retryTag === item.claim.tag) ratedDossier = true;
      else flags.push('dossier_reused');
    }
    const after: ResponseDoc = { ...stored, flags, counted: flags.length === 0, ...(ratedDossier ? { ratedDossier: true } : {}) };
    await this.change(null, after);
    this.waiting.delete(after._id);

    if (item.contact) {
      const { consentText, retentionDays, phone, email } = item.contact;
      const contact = {
        _id: after._id,
        responseId: after._id,
        purpose: 'feedback_followup',
        consentText,
        ...(phone ? { phone } : {}),
        ...(email ? { email } : {}),
        consentedAt: after.submittedAt,
        retainUntil: new Date(after.submittedAt.getTime() + retentionDays * 24 * 3600_000),
      };
      this.plan.insert('contacts', contact);
      const followUp = caseFor(after, await this.scaleOf(after), this.dueDays.get(after.kind)!);
      if (followUp) this.plan.insert('cases', followUp);
    }
    for (const sweep of sweeps) await this.sweep(sweep);
    return 'planned';
  }

  /** The earlier members of a cluster that crossed a limit leave the figures with its flag, unless an admin decided on them. */
  private async sweep({ flag, members }: Sweep): Promise<void> {
    await this.readInto('responses', members, this.responses);
    for (const id of members) {
      const member = this.responses.get(id);
      if (!member || this.waiting.has(id) || member.reviewedBy || (member.flags.includes(flag) && !member.counted)) continue;
      // Also the members already out for another reason: they get the flag, so the review page shows the whole cluster.
      await this.change(member, { ...member, flags: member.flags.includes(flag) ? member.flags : [...member.flags, flag], counted: false });
    }
  }

  /**
   * An admin includes or excludes flagged answers. Each moves once whatever else happens to it; an answer already
   * where the decision puts it is still decided (it leaves the review list). Audited once, when it decided anything.
   */
  private async decision(item: DecisionItem): Promise<Outcome> {
    const responses = this.touchable(item.responseIds);
    if (!responses) return 'defer';
    let decided = 0;
    let moved = 0;
    for (const r of responses) {
      if (!r.flags.length) continue;
      const movesNow = r.counted !== item.include;
      if (!movesNow && r.reviewedBy) continue;
      await this.change(r, { ...r, counted: item.include, reviewedBy: item.reviewer, reviewedAt: item.at, reviews: (r.reviews ?? 0) + 1 });
      decided += 1;
      if (movesNow) moved += 1;
    }
    if (decided) {
      const details = item.audit.countChanged ? { ...item.audit.details, changed: moved } : item.audit.details;
      const entry = { _id: `projector:${item._id}`, at: item.at, actor: item.reviewer, action: item.audit.action, target: item.audit.target, details };
      this.plan.insert('audit_log', entry);
    }
    return 'planned';
  }

  private async comment(item: CommentItem): Promise<Outcome> {
    const responses = this.touchable([item.responseId]);
    if (!responses) return 'defer';
    for (const r of responses) await this.change(r, { ...r, commentStatus: item.status, commentTags: item.tags });
    return 'planned';
  }

  /**
   * Answers whose unit moved: counted, listed and followed up under today's chain. A pending cluster's figure is told
   * the new chain too, since it decides who may review the cluster.
   */
  private async move(item: MoveItem): Promise<Outcome> {
    const responses = this.touchable(item.responseIds);
    if (!responses) return 'defer';
    for (const r of responses) {
      const { unitAncestorsThen: _then, ...rest } = r;
      const after: ResponseDoc = { ...rest, unitAncestors: item.to.ancestors, ...(item.to.then ? { unitAncestorsThen: item.to.then } : {}) };
      if (JSON.stringify([r.unitAncestors, r.unitAncestorsThen ?? null]) === JSON.stringify([after.unitAncestors, after.unitAncestorsThen ?? null])) continue;
      await this.change(r, after);
      if (isClustered(after) && isPending(after))
        this.plan.set('list_review', clusterFigureId(clusterKeyOf(after)), { unitAncestors: after.unitAncestors }, { existing: true });
      this.plan.set('cases', caseIdOf(r._id), { unitAncestors: after.unitAncestors }, { existing: true });
    }
    return 'planned';
  }
}
