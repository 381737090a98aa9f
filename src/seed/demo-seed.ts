import { bulkWriteInChunks } from '../data/bulk-chunks';
import { createLink } from '../links/link.service';
import type { Link } from '../links/link.model';
import { ensureIndexes, type Models } from '../models';
import { periodOf } from '../responses/period';
import type { ResponseDoc } from '../responses/response.model';
import { storeAnswers } from '../answers/store-many';
import type { Projector } from '../projector/projector';
import { storeDossiers } from '../dossiers/dossier-import';
import { claimIdOf } from '../responses/dossier-claim';
import type { DossierRow } from '../dossiers/dossier-rows';
import { saltProvider } from '../settings.salt';
import { demoDossierRows } from './demo-dossiers';
import { addViews, type ViewCount } from '../forms/view-counter';
import { QUESTION_BANK } from '../surveys/question-bank';
import { publishQuestionBank, SurveyCatalog } from '../surveys/survey-catalog';
import { DEMO_PROCEDURES, demoUnits, surveysForUnit } from './demo-units';
import { syntheticResponses, type SyntheticTarget } from './synthetic-responses';
import { bulkRefusals } from '../data/write-once';
import { collectionOf } from '../data/by-id';
import { runOnce } from '../settings.model';
import { publishUnit } from '../public/published-units';

const SEED = 20251;
const BATCH = 1000;

export interface DemoSeedResult {
  units: number;
  linksCreated: number;
  responsesAdded: number;
  dossiersAdded: number;
}

/** The runOnce key of the demo's publication of its province. */
const DEMO_PUBLICATION = 'demo-publication';

/**
 * Idempotent demo data: units, the published question bank, one link per unit and survey (per procedure at the
 * desk), and synthetic responses up to `responses` in total. Running it again adds only what is missing.
 */
export async function seedDemo(
  models: Models,
  options: { responses: number; now: Date; projector: Projector; onProgress?: (done: number, total: number) => void },
): Promise<DemoSeedResult> {
  await ensureIndexes(models);
  const units = demoUnits();
  await bulkWriteInChunks(
    (chunk) => models.Unit.bulkWrite(chunk, { ordered: true }),
    units.map((unit) => ({ updateOne: { filter: { code: unit.code }, update: { $setOnInsert: unit }, upsert: true } })),
  );
  await publishQuestionBank(models.Survey, QUESTION_BANK, options.now);

  const catalog = new SurveyCatalog(models.Survey);
  const existingLinks = await models.Link.find().lean<Link[]>();
  const linkKey = (surveyKey: string, unitCode: string, procedure?: string) => `${surveyKey}|${unitCode}|${procedure ?? ''}`;
  const byKey = new Map(existingLinks.map((l) => [linkKey(l.surveyKey, l.unitCode, l.procedure?.code), l]));
  let linksCreated = 0;
  const targets: SyntheticTarget[] = [];
  for (const unit of units) {
    for (const surveyKey of surveysForUnit(unit)) {
      const procedures = surveyKey === 'tthc-sipas' ? DEMO_PROCEDURES : [undefined];
      for (const procedure of procedures) {
        let link = byKey.get(linkKey(surveyKey, unit.code, procedure?.code));
        if (!link) {
          link = await createLink({ ...models, catalog }, { surveyKey, unitCode: unit.code, procedure }, options.now);
          linksCreated += 1;
        }
        targets.push({ link, unit: unit, survey: (await catalog.getLatest(surveyKey))! });
      }
    }
  }

  const already = await models.Response.countDocuments({ synthetic: true });
  const total = options.responses;
  const { projector } = options;
  let ratedAnswers = 0;
  for (let from = already; from < total; from += BATCH) {
    const batch = syntheticResponses(targets, { from, to: Math.min(total, from + BATCH) }, periodOf(options.now), SEED);
    ratedAnswers += batch.filter((r) => r.ratedDossier).length;
    // Stored as answers are, then taken into figures and lists by the projector; ids are deterministic, so a re-run
    // after a crash skips what is stored.
    await storeAnswers(models.Response.db, batch, options.now);
    await projector.drainAll();
    await addDemoViews(models, batch);
    options.onProgress?.(Math.min(total, from + BATCH) - already, total - already);
  }
  // A year of the desk's dossiers, once: their dates follow `now`, so a later run must not move them.
  let dossiersAdded = 0;
  if ((await models.Dossier.estimatedDocumentCount()) === 0) {
    const rows = demoDossierRows(options.now);
    const salt = await saltProvider(models.Setting)();
    await claimDemoDossiers(models, salt, rows, ratedAnswers);
    dossiersAdded = (await storeDossiers(models, projector, salt, rows, options.now)).inserted;
  }
  // The demo publishes its province on /cong-khai, once: a withdrawal made afterwards stays (issue #27).
  const root = units.find((unit) => !unit.parentCode);
  if (root) await runOnce(models.Setting, DEMO_PUBLICATION, () => publishUnit(models.PublishedUnit, root.code, 'demo', options.now).then(() => undefined));
  return { units: units.length, linksCreated, responsesAdded: Math.max(0, total - already), dossiersAdded };
}

/**
 * The claims of the rated dossiers: as many returned dossiers as synthetic desk answers named one, spread over
 * the year, so the dossiers page shows the share rated and the satisfaction of the ratings side by side.
 */
async function claimDemoDossiers(models: Models, salt: string, rows: readonly DossierRow[], count: number): Promise<void> {
  const returned = rows.filter((row) => row.returnedAt);
  const take = Math.min(count, returned.length);
  if (!take) return;
  const step = returned.length / take;
  const claims = Array.from({ length: take }, (_, i) => returned[Math.floor(i * step)]!).map((row) => ({
    _id: claimIdOf(salt, 'tthc-sipas', row.code),
    retryTag: 'demo',
  }));
  // Claimed before (a seed run again): refused by `_id`, and left as they are.
  await bulkRefusals(() => collectionOf<{ _id: string; retryTag: string }>(models.DossierClaim).insertMany(claims, { ordered: false }));
}

/**
 * The form views that go with synthetic answers: five views for every four answers of a link and month (an 80%
 * response rate), so the demo's response rate is one a department could see, never above 100%.
 */
async function addDemoViews(models: Models, batch: readonly ResponseDoc[]): Promise<void> {
  const groups = new Map<string, ViewCount>();
  for (const r of batch) {
    const key = `${r.linkCode}|${r.period}`;
    const group = groups.get(key) ?? { count: 0, linkCode: r.linkCode, unitCode: r.unitCode, scopes: [r.unitCode, ...r.unitAncestors], period: r.period };
    group.count += 1;
    groups.set(key, group);
  }
  for (const group of groups.values()) await addViews(models.LinkView, { ...group, count: Math.ceil(group.count * 1.25) });
}
