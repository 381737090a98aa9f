import type { InstrumentDefinition, RatingQuestion } from './instrument.types';

/**
 * Names of the HTML fields a form of this instrument may post. Rating questions post under their own key
 * (values 1..scale); everything else is fixed here so the form, the schema and the tests agree.
 */
export const FIELD = {
  token: '_token',
  honeypot: 'website',
  comment: 'comment',
  dossierCode: 'dossier_code',
  contactPhone: 'contact_phone',
  contactEmail: 'contact_email',
  contactConsent: 'consent_contact',
  /** the device's clock when the answer was given and when it was sent (a queued kiosk rating, answers/given-time.ts) */
  givenAt: 'given_at',
  sentAt: 'sent_at',
} as const;

export const LIMITS = { comment: 2000, dossierCode: 40, phone: 20, email: 120 } as const;

export function ratingQuestions(definition: InstrumentDefinition): RatingQuestion[] {
  return [...definition.sections.flatMap((s) => s.questions), definition.overall];
}

/**
 * The rating questions of a form an answer left blank: what the figures need to know how many answered each
 * question in each unit (stats/disclosure.ts). A survey's versions keep its question keys (reword.ts), so this is
 * the same against any version of it.
 */
export function skippedQuestions(definition: InstrumentDefinition, answers: Readonly<Record<string, number>>): string[] {
  return ratingQuestions(definition)
    .map((q) => q.key)
    .filter((key) => answers[key] === undefined);
}

export function allowedFields(definition: InstrumentDefinition): Set<string> {
  const names = new Set<string>([FIELD.token, FIELD.honeypot, FIELD.givenAt, FIELD.sentAt, ...ratingQuestions(definition).map((q) => q.key)]);
  if (definition.comment) names.add(FIELD.comment);
  if (definition.dossierCode === 'optional') names.add(FIELD.dossierCode);
  if (definition.contactAllowed) {
    names.add(FIELD.contactPhone);
    names.add(FIELD.contactEmail);
    names.add(FIELD.contactConsent);
  }
  return names;
}
