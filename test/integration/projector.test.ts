import type { Collection } from 'mongoose';
import { storeAnswers } from '../../src/answers/store-many';
import type { CaseDoc } from '../../src/cases/case.model';
import type { Database } from '../../src/db';
import { createModels, type Models } from '../../src/models';
import { CLUSTER_LIMITS } from '../../src/projector/address-clusters';
import { applyPlan } from '../../src/projector/apply-plan';
import { inboxCollection, newItemId, type WorkItem } from '../../src/projector/inbox';
import type { Plan } from '../../src/projector/plan';
import { unpackPlan } from '../../src/projector/plan';
import { ORPHAN_MS, planBatch } from '../../src/projector/plan-batch';
import { Projector } from '../../src/projector/projector';
import { Lease, openBatch, readState, stateCollection, STATE_ID } from '../../src/projector/projector-state';
import { notTakenIn, recountProjections } from '../../src/projector/recount';
import type { ResponseDoc } from '../../src/responses/response.model';
import type { FigureDoc } from '../../src/figures/figure.model';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { cutOffBatch } from '../helpers/projector-crash';
import { responseOf } from '../helpers/response-fixtures';
import { FIXTURE_UNITS, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { connectTestDatabase } from '../helpers/test-db';

/**
 * The projector's promises (src/projector/projector.ts): a batch cut off anywhere is finished exactly by whoever
 * projects next, two instances applying one batch change each document once, an instance that lost its lease
 * cannot open a batch, answers to one unit and month cost one write per document, and items that cannot be
 * applied yet wait while those that never will are dropped. Clusters are given small limits here, so that a batch
 * also crosses one and sweeps its earlier answers out.
 */
const LIMITS = { perHour: 6, sameAnswersPerHour: 4 };
const LELOI = FIXTURE_UNITS.find((u) => u.code === 'THCS-LELOI')!;
const MOTCUA = FIXTURE_UNITS.find((u) => u.code === 'MOTCUA')!;

describe('the projector', () => {
  let db: Database;
  let models: Models;
  let fx: SurveyFixtures;
  let scaleOf: (key: string, version: number) => Promise<number>;
  let projector: Projector;
  let hour = Date.parse('2026-10-05T01:00:00Z');

  beforeAll(async () => {
    db = await connectTestDatabase();
    fx = await seedSurveyFixtures(db);
    models = createModels(db.connection);
    scaleOf = new SurveyCatalog(models.Survey).scaleOf;
    projector = new Projector(db.connection, { limits: LIMITS });
  });
  afterAll(async () => {
    await projector.close();
    await db.close();
  });

  /** Answers of every shape, in a new hour each time: comments, low scores with contacts, a crowded address that crosses its limit, dossier codes (one reused). */
  async function storeMixed(): Promise<{ responses: ResponseDoc[]; items: WorkItem[] }> {
    hour += 3600_000;
    const at = (i: number) => new Date(hour + i * 1000);
    const crowd = 'Q'.repeat(21) + String(hour % 10);
    const responses: ResponseDoc[] = [
      ...Array.from({ length: 8 }, (_, i) =>
        responseOf(LELOI, at(i), { comment: `Ý kiến ${i}`, answers: { overall: 1 + (i % 5) }, overall: 1 + (i % 5), counted: true }),
      ),
      ...Array.from({ length: 9 }, (_, i) =>
        responseOf(LELOI, at(10 + i), {
          addressHash: crowd,
          linkCode: fx.links['edu-parent-thcs']!,
          answers: { overall: 1 + (i % 2) },
          overall: 1 + (i % 2),
          counted: true,
        }),
      ),
      ...Array.from({ length: 3 }, (_, i) => responseOf(LELOI, at(30 + i), { answers: { overall: 1 }, overall: 1, hasContact: true, counted: true })),
      ...Array.from({ length: 3 }, (_, i) => responseOf(MOTCUA, at(40 + i), { answers: { overall: 4 }, overall: 4, counted: true })),
    ];
    await storeAnswers(db.connection, responses, new Date(hour));
    // What the requests carried that the answers do not: the contacts, the dossier codes (the last two the same).
    const inbox = inboxCollection(db.connection);
    const stored = await (models.Response.collection as unknown as Collection<ResponseDoc>).find({ _id: { $in: responses.map((r) => r._id) } }).toArray();
    const intake = new Map(stored.map((r) => [r._id, r.intake!]));
    for (const [i, r] of responses.slice(17, 20).entries())
      await inbox.updateOne({ _id: intake.get(r._id)! }, { $set: { contact: { phone: `09000000${i}`, consentText: 'Đồng ý', retentionDays: 365 } } });
    for (const [i, r] of responses.slice(20).entries())
      await inbox.updateOne({ _id: intake.get(r._id)! }, { $set: { claim: { id: `tthc-sipas:code-${hour}-${Math.min(i, 1)}`, tag: `tag-${i}` } } });
    return { responses, items: await inbox.find({}).toArray() };
  }

  /** Everything the projector keeps equals a recount of the stored answers; each low score with a contact has one case. */
  async function expectExact(): Promise<void> {
    const report = await recountProjections(models, scaleOf, { fix: false });
    expect(report.differences).toEqual([]);
    expect(report.lists.differences).toEqual([]);
    const answers = await (models.Response.collection as unknown as Collection<ResponseDoc>).find({}).toArray();
    expect(answers.filter(await notTakenIn(db.connection))).toEqual([]);
    const cases = await (models.Case.collection as unknown as Collection<CaseDoc>).find({}).toArray();
    expect(cases.map((c) => c.responseId).sort()).toEqual(
      answers
        .filter((r) => r.hasContact && (r.overall ?? 5) <= 2)
        .map((r) => r._id)
        .sort(),
    );
    expect(await models.Contact.countDocuments()).toBe(cases.length);
    expect(await inboxCollection(db.connection).countDocuments()).toBe(0);
    expect((await readState(db.connection)).open).toBeUndefined();
  }

  it('when a batch of every kind of answer is projected, then figures, lists, clusters, claims and cases equal a recount', async () => {
    const { responses } = await storeMixed();
    await projector.drainAll();
    await expectExact();
    const stored = await (models.Response.collection as unknown as Collection<ResponseDoc>).find({ _id: { $in: responses.map((r) => r._id) } }).toArray();
    const byId = new Map(stored.map((r) => [r._id, r]));
    // The crowded address crossed its limit with its 7th answer: all nine out, the six listed before it swept. Its
    // fifth copy of one answer set crossed that limit too, sweeping the copies among the listed six (the 1st, 3rd, 5th
    // answers; answers are taken in in the order they arrived).
    expect(responses.slice(8, 17).every((r) => byId.get(r._id)!.flags.includes('burst'))).toBe(true);
    expect(
      responses
        .slice(8, 17)
        .map((r, i) => [i, byId.get(r._id)!.flags.includes('identical')])
        .filter(([, flagged]) => flagged),
    ).toEqual([
      [0, true],
      [2, true],
      [4, true],
      [8, true],
    ]);
    expect(responses.slice(8, 17).some((r) => byId.get(r._id)!.counted)).toBe(false);
    expect(responses.slice(20).map((r) => [byId.get(r._id)!.flags, byId.get(r._id)!.ratedDossier])).toEqual([
      [[], true],
      [[], true],
      [['dossier_reused'], undefined],
    ]);
  });

  const cuts: Array<[string, (plan: Plan) => Plan]> = [
    ['before any write', () => ({ figures: {}, docs: {}, inserts: {} })],
    ['after the figures only', (plan) => ({ ...plan, docs: {}, inserts: {} })],
    ['after the lists, clusters and answers only', (plan) => ({ ...plan, figures: {}, inserts: {} })],
    ['after the cases, contacts and claims only', (plan) => ({ ...plan, figures: {}, docs: {} })],
    ['after every write, before its items left the inbox', (plan) => plan],
  ];
  it.each(cuts)('when the instance applying a batch dies %s, then the next projector finishes it exactly, and again changes nothing', async (_, partial) => {
    await storeMixed();
    await cutOffBatch(db.connection, partial, LIMITS);
    await projector.drainAll();
    await expectExact();
    const figures = await (models.Figure.collection as unknown as Collection<FigureDoc>).find({}).toArray();
    await projector.drainAll();
    expect(await (models.Figure.collection as unknown as Collection<FigureDoc>).find({}).toArray()).toEqual(figures);
  });

  it('when two instances apply the same open batch at the same moment, then every document holds it once', async () => {
    await storeMixed();
    const batch = await cutOffBatch(db.connection, () => ({ figures: {}, docs: {}, inserts: {} }), LIMITS);
    const { open } = await readState(db.connection);
    expect(open?.batch).toBe(batch);
    const plan = unpackPlan(open!.plan);
    const other = await connectTestDatabase({ keepData: true });
    try {
      await Promise.all([applyPlan(db.connection, batch, plan), applyPlan(other.connection, batch, plan), applyPlan(db.connection, batch, plan)]);
    } finally {
      await other.close();
    }
    await projector.drainAll();
    await expectExact();
  });

  it('when an instance lost its lease while planning, then it cannot open the batch; the one holding the lease can', async () => {
    await storeMixed();
    const slow = new Lease(db.connection);
    expect(await slow.acquire()).toBe(true);
    const applied = (await readState(db.connection)).applied ?? 0;
    const items = await inboxCollection(db.connection).find({}).toArray();
    const planned = await planBatch({ db: db.connection, scaleOf, limits: LIMITS }, items);
    // Its lease expires meanwhile (a pause longer than the lease) and another instance takes it.
    await stateCollection(db.connection).updateOne({ _id: STATE_ID }, { $set: { until: 0 } });
    const next = new Lease(db.connection);
    expect(await next.acquire()).toBe(true);
    const open = { batch: applied + 1, items: planned.consumed, plan: 'p1:', at: new Date() };
    expect(await openBatch(db.connection, slow.holder, applied, open)).toBe(false);
    expect(await openBatch(db.connection, next.holder, applied + 1, open)).toBe(false); // not after the batch it read
    await next.release();
    await projector.drainAll();
    await expectExact();
  });

  it('when 100 answers to one school and month arrive together, then each figure document is written once', async () => {
    hour += 3600_000;
    const answers = Array.from({ length: 100 }, (_, i) =>
      responseOf(LELOI, new Date(hour + i * 1000), { answers: { overall: 1 + (i % 5) }, overall: 1 + (i % 5), counted: true }),
    );
    const figures = models.Figure.collection as unknown as Collection<FigureDoc & { batch?: number }>;
    const before = new Map((await figures.find({}).toArray()).map((doc) => [doc._id, doc.rev]));
    await storeAnswers(db.connection, answers, new Date(hour));
    await projector.drainAll();
    const touched = (await figures.find({}).toArray()).filter((doc) => doc.rev !== before.get(doc._id));
    // The school's, its district's and the province's figures, and the province's blanks (these answers rate only
    // the overall question: every other question is blank).
    expect(touched.map((doc) => `${doc.scope}|${doc.level}`).sort()).toEqual(['PGD-A|*', 'SGD|*', 'SGD|blanks', 'THCS-LELOI|*']);
    for (const doc of touched) expect(doc.rev).toBe((before.get(doc._id) ?? 0) + 1);
    await expectExact();
  });

  it('when an item names an answer that is not stored, then it waits, and is dropped once the request is surely dead; a second attempt of a form is dropped at once', async () => {
    const inbox = inboxCollection(db.connection);
    const orphan: WorkItem = { _id: newItemId(), kind: 'answer', at: new Date(), responseId: 'never-stored' };
    await inbox.insertOne(orphan);
    const stored = responseOf(LELOI, new Date(hour), { counted: true });
    await storeAnswers(db.connection, [stored], new Date());
    const loser: WorkItem = { _id: newItemId(), kind: 'answer', at: new Date(), responseId: stored._id };
    await inbox.insertOne(loser);
    const deps = { db: db.connection, scaleOf, limits: CLUSTER_LIMITS };
    const now = await planBatch(deps, await inbox.find({}).toArray());
    expect(now.consumed).toContain(loser._id);
    expect(now.consumed).not.toContain(orphan._id);
    expect(now.deferred).toBe(1);
    const later = await planBatch(deps, [orphan], Date.now() + ORPHAN_MS + 1000);
    expect(later.consumed).toEqual([orphan._id]);
    await inbox.deleteOne({ _id: orphan._id });
    await projector.drainAll();
    await expectExact();
  });

  it('when work on an answer arrives before its answer was taken in, then it waits for it, whatever the order of the inbox', async () => {
    const r = responseOf(LELOI, new Date(hour), { comment: 'Trước', counted: true });
    const inbox = inboxCollection(db.connection);
    // The comment's item sorts first (another instance's clock was behind), the answer is stored with its own item.
    await inbox.insertOne({ _id: `00${newItemId().slice(2)}`, kind: 'comment', at: new Date(), responseId: r._id, status: 'seen', tags: ['a'] });
    await storeAnswers(db.connection, [r], new Date());
    await projector.drainAll();
    expect(await models.Response.findById(r._id).lean()).toMatchObject({ commentStatus: 'seen', commentTags: ['a'] });
    await expectExact();
  });

  it('when exclusive work is asked for twice at once in one process, then the second waits for the first, while work nested in one runs at once; no batch runs during either', async () => {
    const events: string[] = [];
    const pause = () => new Promise((resolve) => setTimeout(resolve, 100));
    await storeMixed();
    const first = projector.exclusive(async () => {
      events.push('first start');
      // Nested: would wait for itself forever if it queued.
      await projector.exclusive(() => {
        events.push('nested');
        return Promise.resolve();
      });
      await pause();
      events.push(`first end, inbox ${await inboxCollection(db.connection).countDocuments()}`);
    });
    const second = projector.exclusive(async () => {
      events.push('second start');
      await pause();
      events.push('second end');
    });
    projector.nudge();
    await Promise.all([first, second]);
    const waiting = await inboxCollection(db.connection).countDocuments();
    expect(waiting).toBeGreaterThan(0);
    expect(events).toEqual(['first start', 'nested', `first end, inbox ${waiting}`, 'second start', 'second end']);
    await projector.drainAll();
    await expectExact();
  });
});
