/**
 * The words every part of the product shares about an answer: which kind of survey, through which channel, from
 * whom, at which school level. Kept apart from the question bank (surveys/instrument.types.ts, which re-exports
 * them) so that the answers' own model does not depend on the surveys folder.
 */
export type SurveyKind = 'education' | 'tthc';
export type Channel = 'form' | 'kiosk';
export type Respondent = 'parent' | 'pupil' | 'learner' | 'citizen';
export type SchoolLevel = 'mamnon' | 'tieuhoc' | 'thcs' | 'thpt' | 'gdtx';
