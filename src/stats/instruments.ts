import type { InstrumentDefinition } from '../surveys/instrument.types';
import type { SurveyCatalog } from '../surveys/survey-catalog';

/** Latest published definition of every survey (labels for the item breakdowns). */
export async function latestInstruments(catalog: SurveyCatalog): Promise<Map<string, InstrumentDefinition>> {
  const keys = await catalog.surveyKeys();
  const map = new Map<string, InstrumentDefinition>();
  for (const key of keys) {
    const survey = await catalog.getLatest(key);
    if (survey) map.set(key, survey.definition);
  }
  return map;
}
