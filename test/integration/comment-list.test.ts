import request from 'supertest';
import { commentPage } from '../../src/review/comment-list';
import { storeAnswers } from '../../src/answers/store-many';
import type { ResponseDoc } from '../../src/responses/response.model';
import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { idsInPage, instants, responseOf, storeProjected } from '../helpers/response-fixtures';
import { allAnswers, FIXTURE_UNITS, fillAndSubmit, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * The comment list read from the list index (issue 12): pages in order, scopes, filters, and a comment whose status
 * and tags change moving between the status filters with exact totals.
 */
const unit = (code: string) => FIXTURE_UNITS.find((u) => u.code === code)!;
const OCTOBER = 'kind=education&from=2026-10&to=2026-10';
const countOf = (html: string) => Number(/<p>([\d.]+) mục<\/p>/.exec(html)?.[1]?.replace(/\./g, '') ?? NaN);

describe('comment list', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let dept: request.Agent;
  const lelôi: ResponseDoc[] = [];

  /** Stored and listed exactly as submissions are (their inbox items, the answers, then the projector). */
  const store = (responses: ResponseDoc[]) => storeProjected(fx.models, responses);

  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
    await createUser(fx.models, 'so@x.vn', 'department', 'SGD');
    dept = await signIn(ctx.app, 'so@x.vn');
    lelôi.push(...instants('2026-10', 120).map((at, i) => responseOf(unit('THCS-LELOI'), at, { comment: `Ý kiến số ${i}` })));
    await store([
      ...lelôi,
      ...instants('2026-10', 5, 3).map((at) => responseOf(unit('THPT-CHUVANAN'), at, { comment: 'Trường THPT' })),
      ...instants('2026-09', 3).map((at) => responseOf(unit('THCS-LELOI'), at, { comment: 'Tháng trước' })),
      ...instants('2026-10', 2).map((at) => responseOf(unit('MOTCUA'), at, { comment: 'Thủ tục nhanh' })),
      // Answers without a comment are not listed.
      ...instants('2026-10', 4).map((at) => responseOf(unit('THCS-LELOI'), at)),
    ]);
  });
  afterAll(() => ctx.close());

  it('when 120 comments of a school are stored, then page 1 shows the 50 newest and page 3 the oldest 20, in order, with the total and links between pages', async () => {
    const newestFirst = [...lelôi].sort((a, b) => b.submittedAt.getTime() - a.submittedAt.getTime()).map((r) => r._id);
    const first = await dept.get(`/admin/comments?${OCTOBER}&unit=PGD-A`).expect(200);
    expect(idsInPage(first.text, '/admin/comments')).toEqual(newestFirst.slice(0, 50));
    expect(countOf(first.text)).toBe(120);
    expect(first.text).toContain('Trang 1/3');
    const third = await dept.get(`/admin/comments?${OCTOBER}&unit=PGD-A&page=3`).expect(200);
    expect(idsInPage(third.text, '/admin/comments')).toEqual(newestFirst.slice(100));
    const second = await dept.get(`/admin/comments?${OCTOBER}&unit=PGD-A&page=2`).expect(200);
    expect(idsInPage(second.text, '/admin/comments')).toEqual(newestFirst.slice(50, 100));
    expect(second.text).toMatch(/href="\/admin\/comments\?[^"]*page=1" rel="prev"/);
    expect(second.text).toMatch(/href="\/admin\/comments\?[^"]*page=3" rel="next"/);
  });

  it('when the list is filtered by unit, months, kind or level, then only that subtree and those answers are counted and shown', async () => {
    const total = async (qs: string) => countOf((await dept.get(`/admin/comments?${qs}`).expect(200)).text);
    expect(await total(`${OCTOBER}&unit=SGD`)).toBe(125);
    expect(await total(`${OCTOBER}&unit=THPT-CHUVANAN`)).toBe(5);
    expect(await total('kind=education&unit=PGD-A&from=2026-09&to=2026-10')).toBe(123);
    expect(await total('kind=tthc&unit=SGD&from=2026-10&to=2026-10')).toBe(2);
    const thpt = await dept.get(`/admin/comments?${OCTOBER}&unit=SGD&level=thpt`).expect(200);
    expect(countOf(thpt.text)).toBe(5);
    expect(thpt.text).not.toContain('Ý kiến số');
  });

  it('when the text is searched, then exactly the matching comments are listed; a search past its budget says it is partial', async () => {
    const page = await dept.get(`/admin/comments?${OCTOBER}&unit=SGD&q=${encodeURIComponent('số 7')}`).expect(200);
    const expected = lelôi.filter((r) => /số 7\d?$/.test(r.comment!)).map((r) => r._id);
    expect(expected).toHaveLength(11);
    expect(idsInPage(page.text, '/admin/comments').sort()).toEqual(expected.sort());
    expect(page.text).not.toContain('chỉ tính trong');

    const filter = { kind: 'education', unit: 'SGD', from: '2026-10', to: '2026-10', text: 'số 7' };
    const partial = await commentPage(fx.models, filter, 1, { budget: 30 });
    expect(partial.partialAfter).toBeGreaterThanOrEqual(30);
    expect(partial.total).toBeLessThan(11);
    const full = await commentPage(fx.models, filter, 1);
    expect(full.partialAfter).toBeUndefined();
    expect(full.total).toBe(11);
  });

  it('when a comment is submitted through the form and its status and tags change, then it moves between the status filters with exact totals', async () => {
    const comment = 'Sân trường cần thêm cây xanh';
    const { res } = await fillAndSubmit(request(ctx.app), `/s/${fx.links['edu-parent-thcs']}`, { ...allAnswers(fx.instrument('edu-parent-thcs'), 4), comment });
    expect(res.status).toBe(303);
    const list = async (qs: string) => (await dept.get(`/admin/comments?kind=education&unit=THCS-LELOI&${qs}`).expect(200)).text;
    const fresh = await list('status=new');
    expect(fresh).toContain(comment);
    const [id] = idsInPage(fresh, '/admin/comments');
    const save = (status: string, tags: string) =>
      dept
        .post(`/admin/comments/${id}`)
        .type('form')
        .send({ _csrf: csrfFrom(fresh), status, tags })
        .expect(303);

    await save('forwarded', 'Cây xanh, cơ sở vật chất');
    expect(countOf(await list('status=forwarded'))).toBe(1);
    expect(await list('status=new')).not.toContain(comment);
    expect(await list(`tag=${encodeURIComponent('cây xanh')}`)).toContain(comment);
    expect(await list('status=forwarded&tag=khac')).not.toContain(comment);

    await save('resolved', '');
    expect(countOf(await list('status=forwarded'))).toBe(0);
    expect(await list('status=resolved')).toContain(comment);
    expect(await list(`tag=${encodeURIComponent('cây xanh')}`)).not.toContain(comment);
  });

  it("when a form is sent again after its answer was stored but before it was listed, then it is listed once, at the first attempt's time", async () => {
    const first = responseOf(unit('THCS-LELOI'), new Date('2026-10-02T01:30:00Z'), { comment: 'Lần gửi đầu' });
    expect(await storeAnswers(ctx.db.connection, [first], new Date())).toBe(1); // stored, then the instance died
    const retry = { ...first, submittedAt: new Date('2026-10-02T03:10:00Z') }; // the same token, two hours later
    expect(await storeAnswers(ctx.db.connection, [retry], new Date())).toBe(0); // a duplicate: its item is dropped
    await ctx.instance.projector.drainAll();
    const page = await commentPage(fx.models, { kind: 'education', unit: 'THCS-LELOI', from: '2026-10', to: '2026-10', text: 'lần gửi đầu' }, 1);
    expect(page.rows.map((r) => [r._id, r.submittedAt.toISOString()])).toEqual([[first._id, first.submittedAt.toISOString()]]);
  });

  it('when two admins change one comment at the same moment, then the per-status totals still add up to one', async () => {
    const target = lelôi[0]!;
    const page = await dept.get(`/admin/comments?${OCTOBER}&unit=THCS-LELOI`).expect(200);
    const statuses = ['seen', 'forwarded', 'resolved', 'seen', 'new', 'forwarded'];
    await Promise.all(
      statuses.map((status) =>
        dept
          .post(`/admin/comments/${target._id}`)
          .type('form')
          .send({ _csrf: csrfFrom(page.text), status, tags: '' })
          .expect(303),
      ),
    );
    const stored = (await fx.models.Response.findById(target._id).lean())!.commentStatus;
    const totals: Record<string, number> = {};
    for (const status of ['new', 'seen', 'forwarded', 'resolved']) {
      const filter = { kind: 'education', unit: 'SGD', from: '2026-10', to: '2026-10', status };
      const result = await commentPage(fx.models, filter, 1);
      totals[status] = result.total;
      // On any page: with "new" there are more than a page of them, and this comment is one of the oldest.
      let listed = false;
      for (let page = 1; !listed && (page - 1) * 50 < result.total; page++)
        listed = (await commentPage(fx.models, filter, page)).rows.some((r) => r._id === target._id);
      expect({ status, listed }).toEqual({ status, listed: status === stored });
    }
    expect(Object.values(totals).reduce((a, b) => a + b, 0)).toBe(126); // 125 stored first, and the retried one
  });
});
