import type { Models } from '../models';
import type { ResponseDoc } from '../responses/response.model';
import { skippedQuestions } from '../surveys/form-fields';
import type { SurveyCatalog } from '../surveys/survey-catalog';
import { collectionOf, IDS_PER_COMMAND, idsIn } from '../data/by-id';

/** The one-time migration that fills in `skipped` and recounts the figures with blanks per unit (migration.ts). */
export const BLANKS_MIGRATION = 'figures-blanks';

/**
 * Fills in `skipped` (the rating questions left blank) on every answer stored before it existed, from its survey
 * version's questions. Answers with the same blanks are written together, by `_id` (the only condition that reaches
 * the embedded database's index), a thousand to a command. Returns how many it filled in. An answer of a survey
 * version the catalog no longer has keeps no `skipped`: the questions of its month stay hidden (counters.ts,
 * `blanksKnown`).
 */
export async function fillSkipped(models: Models, catalog: SurveyCatalog): Promise<number> {
  const pending = new Map<string, { skipped: string[]; ids: string[] }>();
  let filled = 0;
  const flush = async (key: string) => {
    const group = pending.get(key)!;
    pending.delete(key);
    await collectionOf<ResponseDoc>(models.Response).updateMany(idsIn<ResponseDoc>(group.ids), { $set: { skipped: group.skipped } });
    filled += group.ids.length;
  };
  // The driver's collection: mongoose would cast `$exists` against the array's element type and refuse it.
  const cursor = collectionOf<ResponseDoc>(models.Response).find(
    { skipped: { $exists: false } },
    { projection: { _id: 1, surveyKey: 1, surveyVersion: 1, answers: 1 }, batchSize: 1000 },
  );
  for await (const response of cursor) {
    const survey = await catalog.getVersion(response.surveyKey, response.surveyVersion);
    if (!survey) continue;
    const skipped = skippedQuestions(survey.definition, response.answers);
    const key = JSON.stringify(skipped);
    let group = pending.get(key);
    if (!group) pending.set(key, (group = { skipped, ids: [] }));
    group.ids.push(response._id);
    if (group.ids.length >= IDS_PER_COMMAND) await flush(key);
  }
  for (const key of [...pending.keys()]) await flush(key);
  return filled;
}
