import request from 'supertest';
import { allProjectorsSettled } from '../../src/projector/projector';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { allAnswers, seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';

/** Every class of bad input is refused with a 4xx and stores nothing. */
describe('when a public form receives bad input', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let path: string;
  let valid: Record<string, string>;

  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
    path = `/s/${fx.links['edu-parent-tieuhoc']}`;
    valid = allAnswers(fx.instrument('edu-parent-tieuhoc'), 4);
  });
  afterAll(() => ctx.close());

  const freshToken = async (p = path) => tokenFrom((await request(ctx.app).get(p).expect(200)).text);
  const stored = () => fx.models.Response.countDocuments();

  async function expectRefused(send: (token: string) => request.Test, status: number | RegExp) {
    const before = await stored();
    const res = await send(await freshToken());
    if (typeof status === 'number') expect(res.status).toBe(status);
    else expect(String(res.status)).toMatch(status);
    expect(await stored()).toBe(before);
    return res;
  }

  const post = () => request(ctx.app).post(path);
  const form = (fields: Record<string, string>) => post().type('form').send(fields);

  it('then an unknown field is refused with 422 and the form is shown again', async () => {
    const res = await expectRefused((token) => form({ _token: token, ...valid, favourite_teacher: 'Cô Lan' }), 422);
    expect(res.text).toContain('không thuộc phiếu khảo sát này');
  });

  it.each([['6'], ['0'], ['abc'], ['4.5'], [' 5'], ['']])('then an overall score of %j is refused with 422 next to the field', async (score) => {
    const res = await expectRefused((token) => form({ _token: token, ...valid, overall: score }), 422);
    expect(res.text).toContain('id="q-overall-err"');
  });

  it('then an out-of-range area score is refused and the other answers are kept', async () => {
    const res = await expectRefused((token) => form({ _token: token, ...valid, access_info: '9' }), 422);
    expect(res.text).toMatch(/name="overall" value="4" checked/);
  });

  it('then operator objects in field names (q[$gt]=, overall[$ne]=) are unknown fields', async () => {
    await expectRefused(
      (token) =>
        post()
          .type('form')
          .send(`_token=${encodeURIComponent(token)}&overall=5&q%5B%24gt%5D=`),
      422,
    );
    await expectRefused(
      (token) =>
        post()
          .type('form')
          .send(`_token=${encodeURIComponent(token)}&overall%5B%24ne%5D=1`),
      422,
    );
  });

  it('then JSON bodies (with $where or __proto__) are refused as the wrong content type', async () => {
    await expectRefused(
      (token) =>
        post()
          .set('content-type', 'application/json')
          .send(JSON.stringify({ _token: token, overall: '5', $where: 'sleep(1000)' })),
      415,
    );
    await expectRefused((token) => post().set('content-type', 'application/json').send(`{"_token":"${token}","__proto__":{"admin":true},"overall":"5"}`), 415);
  });

  it('then other content types (text, multipart, none) are refused with 415', async () => {
    await expectRefused((token) => post().set('content-type', 'text/plain').send(`_token=${token}&overall=5`), 415);
    await expectRefused((token) => post().field('_token', token).field('overall', '5'), 415);
    await expectRefused(() => post(), 415);
  });

  it('then a form body in another charset is refused with 415', async () => {
    await expectRefused((token) => post().set('content-type', 'application/x-www-form-urlencoded; charset=iso-8859-1').send(`_token=${token}&overall=5`), 415);
  });

  it('then an oversized body is refused with 413', async () => {
    await expectRefused((token) => form({ _token: token, ...valid, comment: 'x'.repeat(40_000) }), 413);
  });

  it('then a too-long comment within the body limit is refused with 422 and kept for editing', async () => {
    const res = await expectRefused((token) => form({ _token: token, ...valid, comment: 'ý'.repeat(2100) }), 422);
    expect(res.text).toContain('Nội dung quá dài');
  });

  it('then invalid UTF-8, raw or percent-encoded, is refused with 400', async () => {
    await expectRefused(
      (token) =>
        post()
          .type('form')
          .send(`_token=${encodeURIComponent(token)}&overall=5&comment=%C3%28`),
      400,
    );
    await expectRefused(
      (token) =>
        post()
          .set('content-type', 'application/x-www-form-urlencoded')
          .send(Buffer.concat([Buffer.from(`_token=${encodeURIComponent(token)}&overall=5&comment=`), Buffer.from([0xff, 0xfe])])),
      400,
    );
  });

  it('then a field sent twice is refused with 400', async () => {
    await expectRefused(
      (token) =>
        post()
          .type('form')
          .send(`_token=${encodeURIComponent(token)}&overall=5&overall=1`),
      400,
    );
  });

  it('then a missing or forged token is refused with 400', async () => {
    await expectRefused(() => form({ ...valid }), 400);
    await expectRefused((token) => form({ _token: `${token.split('.')[0]}.forged`, ...valid }), 400);
  });

  it('then a token from another link is refused with 400', async () => {
    const other = await freshToken(`/s/${fx.links['edu-parent-thcs']}`);
    await expectRefused(() => form({ _token: other, ...allAnswers(fx.instrument('edu-parent-tieuhoc'), 5) }), 400);
  });

  it('then contact details on a pupils form are unknown fields (children are never asked)', async () => {
    const pupilPath = `/s/${fx.links['edu-pupil-thpt']}`;
    const token = await freshToken(pupilPath);
    const before = await stored();
    await request(ctx.app)
      .post(pupilPath)
      .type('form')
      .send({ _token: token, ...allAnswers(fx.instrument('edu-pupil-thpt'), 5), contact_phone: '0912345678', consent_contact: 'yes' })
      .expect(422);
    expect(await stored()).toBe(before);
  });

  it('then contact details without the consent box are refused, and consent without details too', async () => {
    await expectRefused((token) => form({ _token: token, ...valid, contact_phone: '0912345678' }), 422);
    await expectRefused((token) => form({ _token: token, ...valid, consent_contact: 'yes' }), 422);
    await expectRefused((token) => form({ _token: token, ...valid, contact_email: 'not-an-email', consent_contact: 'yes' }), 422);
  });

  it('then control characters in a comment are refused with 422', async () => {
    await expectRefused((token) => form({ _token: token, ...valid, comment: 'a\u0000b' }), 422);
  });

  it('then posting to an unknown link is a 404 and stores nothing', async () => {
    const before = await stored();
    await request(ctx.app).post('/s/zzzzzzzzzz').type('form').send({ overall: '5' }).expect(404);
    expect(await stored()).toBe(before);
  });

  it('then valid input with contact and consent is stored, with the contact kept apart from the answers', async () => {
    const token = await freshToken();
    await form({ _token: token, ...valid, contact_phone: '0912 345 678', consent_contact: 'yes', comment: '  Trường rất sạch sẽ  ' }).expect(303);
    await allProjectorsSettled(); // the contact is the projector's write (it travels in the answer's inbox item)
    const response = await fx.models.Response.findOne({ comment: 'Trường rất sạch sẽ' }).lean();
    expect(response?.hasContact).toBe(true);
    expect(JSON.stringify(response)).not.toContain('0912');
    const contact = await fx.models.Contact.findOne({ responseId: response!._id }).lean();
    expect(contact?.phone).toBe('0912 345 678');
    expect(contact?.consentText).toContain('Tôi đồng ý');
    expect(contact!.retainUntil.getTime()).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000);
  });
});
