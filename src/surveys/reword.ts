import type { InstrumentDefinition, Localized } from './instrument.types';

/**
 * A new wording of an instrument from an admin's form: every text may change, the structure (sections, question
 * keys, scale) may not, so answers across versions stay comparable. Field names: title_vi, intro_en,
 * s_<section>_vi, q_<question>_en …; a missing or empty text keeps the old one; texts are at most 400 characters.
 */
export function reword(definition: InstrumentDefinition, fields: Record<string, unknown>): InstrumentDefinition {
  const text = (name: string, old: Localized): Localized => ({
    vi: pick(fields[`${name}_vi`], old.vi),
    en: pick(fields[`${name}_en`], old.en),
  });
  return {
    ...definition,
    title: text('title', definition.title),
    intro: text('intro', definition.intro),
    sections: definition.sections.map((section) => ({
      ...section,
      title: text(`s_${section.key}`, section.title),
      questions: section.questions.map((q) => ({ ...q, text: text(`q_${q.key}`, q.text) })),
    })),
    overall: { ...definition.overall, text: text(`q_${definition.overall.key}`, definition.overall.text) },
  };
}

function pick(value: unknown, fallback: string): string {
  if (typeof value !== 'string') return fallback;
  const trimmed = value.replace(/\s+/g, ' ').trim();
  return trimmed ? trimmed.slice(0, 400) : fallback;
}
