import request from 'supertest';
import { clusterKeyOf } from '../../src/review/review-clusters';
import { indexedClusterMembers } from '../../src/review/cluster-members';
import { LIST_INDEX_MIGRATION } from '../../src/review/list-migration';
import { runOnce } from '../../src/settings.model';
import type { ResponseDoc } from '../../src/responses/response.model';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { idsInPage, instants, responseOf, storeProjected } from '../helpers/response-fixtures';
import { allAnswers, FIXTURE_UNITS, fillAndSubmit, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The review list read from the list index (issue 12): undecided flagged answers, pages in order, clusters ranked by
 * size, and a decision (include, or exclude of an answer already out) taking the answer off the list.
 */
const LELOI = FIXTURE_UNITS.find((u) => u.code === 'THCS-LELOI')!;
const OCTOBER = 'kind=education&unit=SGD&from=2026-10&to=2026-10';
const singlesCount = (html: string) => Number(/<h2>Phiếu bị đánh dấu riêng lẻ<\/h2>\s*<p>([\d.]+) mục<\/p>/.exec(html)?.[1]?.replace(/\./g, '') ?? NaN);

describe('review list', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let dept: request.Agent;
  let manager: request.Agent;
  const flagged: ResponseDoc[] = [];

  const store = (responses: ResponseDoc[]) => storeProjected(fx.models, responses);
  const page = async (agent: request.Agent, qs: string) => (await agent.get(`/admin/review?${qs}`).expect(200)).text;
  const decide = async (path: string, decision: string) => {
    const csrf = csrfFrom(await page(dept, OCTOBER));
    return dept.post(path).type('form').send({ _csrf: csrf, decision });
  };
  const audits = (action: string) => fx.models.Audit.countDocuments({ action });

  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
    await createUser(fx.models, 'so@x.vn', 'department', 'SGD');
    await createUser(fx.models, 'pgd@x.vn', 'unit_manager', 'PGD-A');
    dept = await signIn(ctx.app, 'so@x.vn');
    manager = await signIn(ctx.app, 'pgd@x.vn');
    flagged.push(...instants('2026-10', 210).map((at) => responseOf(LELOI, at, { flags: ['too_fast'] })));
    // Decided before: not up for review any more.
    await store([...flagged, responseOf(LELOI, new Date('2026-10-09T03:00:00Z'), { flags: ['honeypot'], reviewedBy: 'so@x.vn', reviewedAt: new Date() })]);
  });
  afterAll(() => ctx.close());

  it('when 210 single flagged answers are stored, then page 1 shows the 200 newest and page 2 the other 10, with the total', async () => {
    const newestFirst = [...flagged].sort((a, b) => b.submittedAt.getTime() - a.submittedAt.getTime()).map((r) => r._id);
    const first = await page(dept, OCTOBER);
    expect(idsInPage(first, '/admin/review')).toEqual(newestFirst.slice(0, 200));
    expect(singlesCount(first)).toBe(210);
    expect(first).toMatch(/href="\/admin\/review\?[^"]*page=2" rel="next"/);
    expect(idsInPage(await page(dept, `${OCTOBER}&page=2`), '/admin/review')).toEqual(newestFirst.slice(200));
    expect(singlesCount(await page(dept, `${OCTOBER}&level=thpt`))).toBe(0);
  });

  it('when department staff exclude an answer that flagging already kept out, then it leaves the list and stays out, audited once however often it is pressed', async () => {
    const target = flagged[5]!;
    expect((await decide(`/admin/review/${target._id}`, 'exclude')).status).toBe(303);
    expect((await decide(`/admin/review/${target._id}`, 'exclude')).status).toBe(303);
    const after = await page(dept, OCTOBER);
    expect(idsInPage(after, '/admin/review')).not.toContain(target._id);
    expect(singlesCount(after)).toBe(209);
    const stored = await fx.models.Response.findById(target._id).lean();
    expect({ counted: stored?.counted, reviewedBy: stored?.reviewedBy }).toEqual({ counted: false, reviewedBy: 'so@x.vn' });
    expect(await audits('review.exclude')).toBe(1);
  });

  it('when an answer flagged at submission (honeypot) is included by department staff, then it leaves the list; its unit manager only saw it', async () => {
    const { res } = await fillAndSubmit(request(ctx.app), `/s/${fx.links['edu-parent-thcs']}`, {
      ...allAnswers(fx.instrument('edu-parent-thcs'), 5),
      website: 'http://spam.example',
    });
    expect(res.status).toBe(303);
    const seen = await page(manager, 'unit=PGD-A');
    expect(seen).toContain('Do cán bộ cấp Sở quyết định');
    expect(seen).not.toMatch(/action="\/admin\/review\//);
    const [id] = idsInPage(await page(dept, 'unit=PGD-A'), '/admin/review');
    expect(id).toBeDefined();
    expect((await decide(`/admin/review/${id}`, 'include')).status).toBe(303);
    expect(idsInPage(await page(dept, 'unit=PGD-A'), '/admin/review')).not.toContain(id);
    expect((await fx.models.Response.findById(id).lean())?.counted).toBe(true);
    expect(await audits('review.include')).toBe(1);
  });

  it('when a cluster is stored, then it is listed with its size and answer sets; deciding it takes it off the list, its members found by their index documents', async () => {
    const at = new Date('2026-10-20T04:10:00Z');
    const members: ResponseDoc[] = [];
    for (let i = 0; i < 30; i++) {
      const answers = { overall: 1 + (i % 3) };
      members.push(
        responseOf(LELOI, new Date(at.getTime() + i * 1000), {
          flags: ['burst'],
          addressHash: 'C'.repeat(22),
          linkCode: fx.links['edu-parent-thcs']!,
          answers,
          overall: answers.overall,
        }),
      );
    }
    await store(members);
    const key = clusterKeyOf(members[0]!);
    const listed = await page(dept, OCTOBER);
    const row = listed.slice(listed.indexOf(encodeURIComponent(key)) - 2000, listed.indexOf(encodeURIComponent(key)));
    expect(row).toMatch(/<td class="num">30<\/td><td class="num">3<\/td><td class="num">0<\/td>/);
    expect(listed).toContain('1 cụm');
    expect(idsInPage(listed, '/admin/review')).not.toContain(members[0]!._id);

    await runOnce(fx.models.Setting, LIST_INDEX_MIGRATION, () => Promise.resolve()); // from now on the decision finds the members by `_id`
    expect((await indexedClusterMembers(fx.models, key)).map((m) => m._id).sort()).toEqual(members.map((m) => m._id).sort());
    expect((await decide(`/admin/review/clusters/${encodeURIComponent(key)}`, 'include')).status).toBe(303);
    const after = await page(dept, OCTOBER);
    expect(after).not.toContain(encodeURIComponent(key));
    expect(after).toContain('0 cụm');
    expect(await fx.models.Response.countDocuments({ addressHash: 'C'.repeat(22), counted: true })).toBe(30);
    expect(await audits('review.cluster.include')).toBe(1);
    // Decided members stay findable, so the cluster can still be excluded again.
    expect((await decide(`/admin/review/clusters/${encodeURIComponent(key)}`, 'exclude')).status).toBe(303);
    expect(await fx.models.Response.countDocuments({ addressHash: 'C'.repeat(22), counted: true })).toBe(0);
  });
});
