import crypto from 'node:crypto';
import request from 'supertest';
import type { Role } from '../../src/access/access.models';
import type { ResponseDoc } from '../../src/responses/response.model';
import { topTwo } from '../../src/answers/build-response';
import { storeProjected } from '../helpers/response-fixtures';
import { clusterKeyOf } from '../../src/review/review-clusters';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { FIXTURE_UNITS, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Who may include or exclude an answer (issue 13, item 5): only flagged answers are up for review (409 otherwise),
 * and answers about one's own units need a province-wide role (403 otherwise), for single answers and clusters.
 */
describe('review decisions', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  const agents: Partial<Record<'school' | 'district' | 'other' | 'dept', request.Agent>> = {};
  const school = FIXTURE_UNITS.find((u) => u.code === 'THCS-LELOI')!;

  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
    const users: Array<[keyof typeof agents, Role, string]> = [
      ['school', 'unit_manager', 'THCS-LELOI'],
      ['district', 'unit_manager', 'PGD-A'],
      ['other', 'unit_manager', 'THPT-CHUVANAN'],
      ['dept', 'department', 'SGD'],
    ];
    for (const [name, role, unit] of users) {
      await createUser(fx.models, `${name}@x.vn`, role, unit);
      agents[name] = await signIn(ctx.app, `${name}@x.vn`);
    }
  });
  afterAll(() => ctx.close());

  /** Stores an answer of THCS Lê Lợi as a submission would (counted ones go into the rollup). */
  async function stored(options: { flags?: ResponseDoc['flags']; addressHash?: string; at?: Date } = {}): Promise<ResponseDoc> {
    const flags = options.flags ?? [];
    const at = options.at ?? new Date();
    const response: ResponseDoc = {
      _id: crypto.randomUUID(),
      linkCode: fx.links['edu-parent-thcs']!,
      surveyKey: 'edu-parent-thcs',
      surveyVersion: 1,
      kind: 'education',
      channel: 'form',
      unitCode: school.code,
      unitAncestors: school.ancestors,
      level: 'thcs',
      district: 'An Phú',
      answers: { overall: 2 },
      overall: 2,
      overallTopTwo: topTwo(2, 5),
      lang: 'vi',
      submittedAt: at,
      period: at.toISOString().slice(0, 7),
      fillSeconds: 40,
      ...(options.addressHash ? { addressHash: options.addressHash } : {}),
      flags,
      counted: flags.length === 0,
      hasContact: false,
      synthetic: false,
    };
    await storeProjected(fx.models, [response]);
    return response;
  }

  const csrfOf = async (agent: request.Agent) => csrfFrom((await agent.get('/admin/review').expect(200)).text);
  const decide = async (who: keyof typeof agents, path: string, decision: string) =>
    agents[who]!.post(path)
      .type('form')
      .send({ _csrf: await csrfOf(agents[who]!), decision });
  const countedOf = async (id: string) => (await fx.models.Response.findById(id).lean())?.counted;

  it('when an unflagged (bad) answer about a school is to be excluded, then department staff get 409, its unit manager 403, and it stays counted', async () => {
    const bad = await stored();
    for (const who of ['school', 'dept'] as const) {
      const res = await decide(who, `/admin/review/${bad._id}`, 'exclude');
      expect({ who, status: res.status }).toEqual({ who, status: who === 'dept' ? 409 : 403 });
    }
    expect((await decide('dept', `/admin/review/${bad._id}`, 'exclude')).text).toContain('Chỉ có thể chấp nhận hoặc loại ra phiếu bị đánh dấu');
    expect(await countedOf(bad._id)).toBe(true);
    expect(await fx.models.Audit.countDocuments({ action: /^review\./ })).toBe(0);
  });

  it('when the manager of the school or of its district decides about a flagged answer, then 403 with the reason, and nothing changes', async () => {
    const flagged = await stored({ flags: ['too_fast'] });
    for (const who of ['school', 'district'] as const) {
      const res = await decide(who, `/admin/review/${flagged._id}`, 'include');
      expect({ who, status: res.status }).toEqual({ who, status: 403 });
      expect(res.text).toContain('phải do cán bộ cấp Sở quyết định');
    }
    // Outside one's subtree it was already refused.
    expect((await decide('other', `/admin/review/${flagged._id}`, 'include')).status).toBe(403);
    expect(await countedOf(flagged._id)).toBe(false);
  });

  it('when department staff decide about a flagged answer, then it is included, and excluded again', async () => {
    const flagged = await stored({ flags: ['honeypot'] });
    expect((await decide('dept', `/admin/review/${flagged._id}`, 'include')).status).toBe(303);
    expect(await countedOf(flagged._id)).toBe(true);
    expect((await decide('dept', `/admin/review/${flagged._id}`, 'exclude')).status).toBe(303);
    expect(await countedOf(flagged._id)).toBe(false);
  });

  it('when a unit manager decides about a cluster of their own school, then 403; department staff may', async () => {
    const addressHash = 'A'.repeat(22);
    const at = new Date();
    const members = [await stored({ flags: ['burst'], addressHash, at }), await stored({ flags: ['burst'], addressHash, at })];
    const path = `/admin/review/clusters/${encodeURIComponent(clusterKeyOf(members[0]!))}`;
    expect((await decide('school', path, 'include')).status).toBe(403);
    expect((await decide('district', path, 'include')).status).toBe(403);
    for (const m of members) expect(await countedOf(m._id)).toBe(false);
    expect((await decide('dept', path, 'include')).status).toBe(303);
    for (const m of members) expect(await countedOf(m._id)).toBe(true);
    expect((await decide('dept', `/admin/review/clusters/${encodeURIComponent('not-a-key')}`, 'include')).status).toBe(404);
  });
});
