import request from 'supertest';
import type { Express } from 'express';
import crypto from 'node:crypto';
import { hashApiToken } from '../../src/access/authenticate';
import type { Role } from '../../src/access/access.models';
import { hashPassword } from '../../src/access/passwords';
import type { Connection } from 'mongoose';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { seedTargets } from '../../src/stats/target.model';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { publishQuestionBank } from '../../src/surveys/survey-catalog';
import type { ResponseDoc } from '../../src/responses/response.model';
import { storeAnswers } from '../../src/answers/store-many';
import { topTwo } from '../../src/answers/build-response';
import type { Unit } from '../../src/units/unit.model';
import { drainProjections } from './projections';
import { skippedOf } from './response-fixtures';

export const PASSWORD = 'mat-khau-thu-nghiem-2026';

/** A department with two district offices and one primary school under each: enough to test scopes. */
export const TWO_DISTRICTS: Unit[] = [
  { code: 'SGD', name: 'Sở', type: 'department', ancestors: [] },
  { code: 'PGD-A', name: 'Phòng A', type: 'district_office', parentCode: 'SGD', ancestors: ['SGD'] },
  { code: 'TH-A', name: 'Tiểu học A', type: 'school', level: 'tieuhoc', parentCode: 'PGD-A', ancestors: ['SGD', 'PGD-A'] },
  { code: 'PGD-B', name: 'Phòng B', type: 'district_office', parentCode: 'SGD', ancestors: ['SGD'] },
  { code: 'TH-B', name: 'Tiểu học B', type: 'school', level: 'tieuhoc', parentCode: 'PGD-B', ancestors: ['SGD', 'PGD-B'] },
];

/** A database ready for figures: indexes, these units, the published question bank and the plan's targets. */
export async function seedProvince(connection: Connection, units: Unit[]): Promise<Models> {
  const models = createModels(connection);
  await ensureIndexes(models);
  await models.Unit.insertMany(units);
  await publishQuestionBank(models.Survey, QUESTION_BANK, new Date());
  await seedTargets(models.Target);
  return models;
}

export async function createUser(models: Models, email: string, role: Role, unitCode: string): Promise<void> {
  await models.User.create({ email, name: email, passwordHash: await hashPassword(PASSWORD), role, unitCode });
}

export async function createApiToken(models: Models, unitCode: string): Promise<string> {
  const token = `hl_${crypto.randomBytes(24).toString('base64url')}`;
  await models.ApiToken.create({ name: `token-${unitCode}`, tokenHash: hashApiToken(token), unitCode, createdBy: 'test', createdAt: new Date() });
  return token;
}

export const csrfFrom = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** The token of an invitation link in a page or an e-mail (access/invitations.ts). */
export const invitationTokenIn = (text: string) => /\/admin\/invite\?token=([\w-]{43})/.exec(text)?.[1];

/** Follows an invitation link as the invitee does: opens it, chooses a password. */
export async function acceptInvitation(app: Express, token: string, password = PASSWORD): Promise<request.Response> {
  const agent = request.agent(app);
  const page = await agent.get(`/admin/invite?token=${token}`).expect(200);
  return agent
    .post('/admin/invite')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), token, password, confirm: password });
}

/** Signs in through the real login form (CSRF token included) and returns the agent holding the session. */
export async function signIn(app: Express, email: string, password = PASSWORD): Promise<request.Agent> {
  const agent = request.agent(app);
  const page = await agent.get('/admin/login').expect(200);
  const res = await agent
    .post('/admin/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password });
  if (res.status !== 303) throw new Error(`sign-in of ${email} failed with ${res.status}`);
  return agent;
}

/**
 * Stores counted responses whose overall answers are `scores`, with their rollups, as a submission would.
 * `extra` answers every other question of the survey the same way, so item breakdowns have data.
 */
export async function addResponses(
  models: Models,
  options: {
    unit: Unit;
    surveyKey: string;
    kind: 'education' | 'tthc';
    scale: 5 | 3;
    period: string;
    scores: number[];
    items?: Record<string, number>;
    /** each answer named a dossier code that it was the first to claim (counted under `dossiers`) */
    ratedDossier?: boolean;
    /** the unit's chain on the day of the answers, where a reorganisation has moved it since (reorganisation/rechain.ts) */
    unitAncestorsThen?: string[];
    /** comments of the first answers, in order (the others have none) */
    comments?: string[];
  },
): Promise<void> {
  const responses = options.scores.map((overall, i): ResponseDoc => ({
    _id: crypto.randomUUID(),
    linkCode: 'fixture',
    surveyKey: options.surveyKey,
    surveyVersion: 1,
    kind: options.kind,
    channel: options.scale === 3 ? 'kiosk' : 'form',
    unitCode: options.unit.code,
    unitAncestors: options.unit.ancestors,
    ...(options.unitAncestorsThen ? { unitAncestorsThen: options.unitAncestorsThen } : {}),
    ...(options.ratedDossier ? { ratedDossier: true } : {}),
    ...(options.unit.level ? { level: options.unit.level } : {}),
    ...(options.unit.district ? { district: options.unit.district } : {}),
    ...(options.comments?.[i] ? { comment: options.comments[i] } : {}),
    answers: { ...(options.items ?? {}), overall },
    skipped: skippedOf(options.surveyKey, { ...(options.items ?? {}), overall }),
    overall,
    overallTopTwo: topTwo(overall, options.scale),
    lang: 'vi',
    submittedAt: new Date(`${options.period}-10T03:00:00Z`),
    period: options.period,
    fillSeconds: 30 + i,
    flags: [],
    counted: true,
    hasContact: false,
    synthetic: false,
  }));
  // Stored and taken in as submissions are (inbox items first, then the answers; the projector counts them).
  await storeAnswers(models.Response.db, responses, new Date());
  await drainProjections(models.Response.db);
}
