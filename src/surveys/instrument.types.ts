/**
 * The question bank is data: each instrument below becomes a survey whose published versions never change.
 * Keys are stable identifiers stored with every answer; wording may change only through a new version.
 */
export interface Localized {
  vi: string;
  en: string;
}

import type { Channel, Respondent, SchoolLevel, SurveyKind } from '../vocabulary';

export type { Channel, Respondent, SchoolLevel, SurveyKind };

/** Question and section keys: lower-case ASCII, digits and underscores (they become field names). */
export const KEY_PATTERN = /^[a-z][a-z0-9_]{1,39}$/;

export interface RatingQuestion {
  key: string;
  text: Localized;
}

/** An area of the Ministry's education method, or a SIPAS element for TTHC. */
export interface Section {
  key: string;
  title: Localized;
  questions: RatingQuestion[];
}

export interface InstrumentDefinition {
  /** Stable survey key, e.g. "edu-parent-tieuhoc", "tthc-sipas", "tthc-quick". */
  key: string;
  kind: SurveyKind;
  channel: Channel;
  respondent: Respondent;
  level?: SchoolLevel;
  title: Localized;
  intro: Localized;
  /** 5: 1 rất không hài lòng … 5 rất hài lòng; 3: 1 không hài lòng, 2 hài lòng, 3 rất hài lòng. */
  scale: 5 | 3;
  sections: Section[];
  /** The overall-satisfaction question: the headline figure is its top-two share. */
  overall: RatingQuestion;
  /** Offer the optional free-text comment ("Ý kiến, đề xuất khác"). */
  comment: boolean;
  /** Offer optional contact details with consent; never for pupils (children under 16). */
  contactAllowed: boolean;
  /** TTHC forms may ask for the dossier code (mã hồ sơ): at most one response per code and survey. */
  dossierCode: 'none' | 'optional';
}
