import request from 'supertest';
import type { Express } from 'express';
import type { Database } from '../../src/db';
import { createLink } from '../../src/links/link.service';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank, SurveyCatalog } from '../../src/surveys/survey-catalog';
import { allProjectorsSettled } from '../../src/projector/projector';
import type { InstrumentDefinition } from '../../src/surveys/instrument.types';
import type { Unit } from '../../src/units/unit.model';
import { ratingQuestions } from '../../src/surveys/form-fields';

/** A small province: the department, one district office, one school per level, a GDTX centre and the desk. */
export const FIXTURE_UNITS: Unit[] = [
  { code: 'SGD', name: 'Sở Giáo dục và Đào tạo tỉnh Mẫu', type: 'department', ancestors: [] },
  { code: 'PGD-A', name: 'Phòng GDĐT huyện An Phú', type: 'district_office', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
  { code: 'MN-HOASEN', name: 'Trường Mầm non Hoa Sen', type: 'school', level: 'mamnon', district: 'An Phú', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  {
    code: 'TH-KIMDONG',
    name: 'Trường Tiểu học Kim Đồng',
    type: 'school',
    level: 'tieuhoc',
    district: 'An Phú',
    parentCode: 'PGD-A',
    ancestors: ['SGD', 'PGD-A'],
  },
  { code: 'THCS-LELOI', name: 'Trường THCS Lê Lợi', type: 'school', level: 'thcs', district: 'An Phú', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  { code: 'THPT-CHUVANAN', name: 'Trường THPT Chu Văn An', type: 'school', level: 'thpt', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
  { code: 'GDTX-TINH', name: 'Trung tâm GDTX tỉnh', type: 'center', level: 'gdtx', district: 'An Phú', parentCode: 'SGD', ancestors: ['SGD'] },
  { code: 'MOTCUA', name: 'Bộ phận Một cửa Sở GDĐT', type: 'desk', parentCode: 'SGD', ancestors: ['SGD'] },
];

const UNIT_OF_SURVEY: Record<string, string> = {
  'edu-parent-mamnon': 'MN-HOASEN',
  'edu-parent-tieuhoc': 'TH-KIMDONG',
  'edu-parent-thcs': 'THCS-LELOI',
  'edu-parent-thpt': 'THPT-CHUVANAN',
  'edu-pupil-thpt': 'THPT-CHUVANAN',
  'edu-learner-gdtx': 'GDTX-TINH',
  'tthc-sipas': 'MOTCUA',
  'tthc-quick': 'MOTCUA',
};

export interface SurveyFixtures {
  models: Models;
  /** survey key -> link code */
  links: Record<string, string>;
  instrument(key: string): InstrumentDefinition;
}

export async function seedSurveyFixtures(db: Database, now = new Date()): Promise<SurveyFixtures> {
  const models = createModels(db.connection);
  await ensureIndexes(models);
  await models.Unit.insertMany(FIXTURE_UNITS);
  await publishQuestionBank(models.Survey, QUESTION_BANK, now);
  const catalog = new SurveyCatalog(models.Survey);
  const links: Record<string, string> = {};
  for (const [surveyKey, unitCode] of Object.entries(UNIT_OF_SURVEY)) {
    const procedure = surveyKey === 'tthc-sipas' ? { code: '1.005092', name: 'Công nhận văn bằng tốt nghiệp do cơ sở nước ngoài cấp' } : undefined;
    links[surveyKey] = (await createLink({ ...models, catalog }, { surveyKey, unitCode, procedure }, new Date(now.getTime() - 1000))).code;
  }
  return {
    models,
    links,
    instrument: (key) => QUESTION_BANK.find((i) => i.key === key)!,
  };
}

/** Path of a link's public page: forms under /s, the desk kiosk under /k. */
export const pathOf = (instrument: InstrumentDefinition, code: string) => `/${instrument.channel === 'kiosk' ? 'k' : 's'}/${code}`;

export function tokenFrom(html: string): string {
  const match = /name="_token" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no form token in the page');
  return match[1]!;
}

/** Every rating question answered with `score` (overall included), as a browser would post them. */
export function allAnswers(instrument: InstrumentDefinition, score: number): Record<string, string> {
  return Object.fromEntries(ratingQuestions(instrument).map((q) => [q.key, String(score)]));
}

/**
 * Loads the form (for a fresh token) and posts `fields` with it, through an agent that keeps cookies; then waits
 * until the projector has taken the answer in (figures, lists, cluster, claim, case), as it does within moments.
 */
export async function fillAndSubmit(agent: request.Agent | Express, path: string, fields: Record<string, string>) {
  const page = await (agent as request.Agent).get(path).expect(200);
  const token = tokenFrom(page.text);
  const res = await (agent as request.Agent)
    .post(path)
    .type('form')
    .send({ _token: token, ...fields });
  await allProjectorsSettled();
  return { res, token };
}
