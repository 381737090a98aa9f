import request from 'supertest';
import { QUESTION_BANK } from '../../src/surveys/question-bank';
import { ratingQuestions } from '../../src/surveys/form-fields';
import { periodOf } from '../../src/responses/period';
import { fieldKey } from '../../src/figures/counters';
import { figureId, unpackFigures } from '../../src/figures/figure.model';
import { workInFlight } from '../helpers/figure-counts';
import { inboxCollection } from '../../src/projector/inbox';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { allAnswers, fillAndSubmit, pathOf, seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';

describe('public survey forms', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
  });
  afterAll(() => ctx.close());

  describe.each(QUESTION_BANK.map((i) => [i.key, i] as const))('instrument %s', (key, instrument) => {
    it('when the link is opened, then the form renders every question as a fieldset with a legend, under 50 KB', async () => {
      const res = await request(ctx.app).get(pathOf(instrument, fx.links[key]!)).expect(200);
      const questions = ratingQuestions(instrument);
      expect(res.text.match(/<fieldset class="q/g)).toHaveLength(questions.length);
      expect(res.text).toContain(`<legend id="q-${instrument.overall.key}">`);
      expect(res.text).toContain(instrument.title.vi);
      for (const q of questions) expect(res.text).toContain(`name="${q.key}" value="${instrument.scale}"`);
      const css = await request(ctx.app).get('/static/css/app.css');
      // One script of our own, deferred, which the page works without: the kiosk's offline queue, the form's
      // sending again after a dropped connection (issue #29).
      const script = instrument.channel === 'kiosk' ? '/static/js/kiosk.js' : '/static/js/form-retry.js';
      const scripts = [...res.text.matchAll(/<script[^>]*>/gi)].map((m) => m[0]);
      expect(scripts).toEqual([`<script src="${script}" defer>`]);
      const js = (await request(ctx.app).get(script).expect(200)).text;
      expect(Buffer.byteLength(res.text) + Buffer.byteLength(css.text) + Buffer.byteLength(js)).toBeLessThan(50 * 1024);
      expect(res.text.includes('contact_phone')).toBe(instrument.contactAllowed);
      expect(res.text.includes('dossier_code')).toBe(instrument.dossierCode === 'optional');
    });

    it('when a valid answer sheet is posted, then it is stored once with derived fields and counted in the figures of its unit', async () => {
      const top = instrument.scale;
      const { res, token } = await fillAndSubmit(request.agent(ctx.app), pathOf(instrument, fx.links[key]!), allAnswers(instrument, top));
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`${pathOf(instrument, fx.links[key]!)}/thanks`);

      const stored = await fx.models.Response.find({ linkCode: fx.links[key] }).lean();
      expect(stored).toHaveLength(1);
      const response = stored[0]!;
      expect(response._id).toBe(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())[0]);
      expect(response.surveyVersion).toBe(1);
      expect(response.overall).toBe(top);
      expect(response.overallTopTwo).toBe(true);
      expect(response.period).toBe(periodOf(new Date()));
      expect(response.counted).toBe(true);
      expect(await workInFlight(fx.models)).toBe(0); // taken in by the projector (src/projector/)
      expect(await inboxCollection(ctx.db.connection).countDocuments({ _id: response.intake! })).toBe(0);
      expect(Object.keys(response.answers)).toHaveLength(ratingQuestions(instrument).length);

      // The unit's own figure document holds the answer's counts.
      const figureDoc = await fx.models.Figure.findById(figureId(response.period, instrument.kind, response.unitCode)).lean();
      const survey = unpackFigures(figureDoc!).surveys[fieldKey(key)];
      expect(survey?.items.overall).toEqual({ [`s${top}`]: 1 });
      expect(survey?.scale).toBe(instrument.scale);
    });
  });

  it('when the same blank form is opened twice, then each page carries its own token and the rest is the same', async () => {
    const path = `/s/${fx.links['edu-parent-thcs']}`;
    const [first, second] = [(await request(ctx.app).get(path).expect(200)).text, (await request(ctx.app).get(path).expect(200)).text];
    expect(tokenFrom(first)).not.toBe(tokenFrom(second));
    expect(first.replace(tokenFrom(first), '')).toBe(second.replace(tokenFrom(second), ''));
    const english = (await request(ctx.app).get(`${path}?lang=en`).expect(200)).text;
    expect(english).toContain('lang="en"');
    expect(english).not.toBe(first.replace(tokenFrom(first), tokenFrom(english)));
  });

  it('when the thank-you page is opened, then it thanks in Vietnamese', async () => {
    const res = await request(ctx.app).get(`/s/${fx.links['edu-parent-thcs']}/thanks`).expect(200);
    expect(res.text).toContain('Cảm ơn bạn!');
  });

  it('when the kiosk thank-you page is shown, then it returns to the start by itself', async () => {
    const res = await request(ctx.app).get(`/k/${fx.links['tthc-quick']}/thanks`).expect(200);
    expect(res.text).toContain(`<meta http-equiv="refresh" content="5;url=/k/${fx.links['tthc-quick']}">`);
  });

  it('when a form is viewed, then the view is counted for the link and month', async () => {
    const code = fx.links['edu-parent-mamnon']!;
    await ctx.instance.views.flush();
    const before = (await fx.models.LinkView.find({ linkCode: code }).lean()).reduce((n, v) => n + v.views, 0);
    await request(ctx.app).get(`/s/${code}`).expect(200);
    await ctx.instance.views.flush();
    const after = (await fx.models.LinkView.find({ linkCode: code }).lean()).reduce((n, v) => n + v.views, 0);
    expect(after).toBe(before + 1);
  });

  it('when a link is unknown, closed or of the other channel, then a 404 page answers', async () => {
    await request(ctx.app).get('/s/zzzzzzzzzz').expect(404);
    await request(ctx.app).get('/s/not-a-code').expect(404);
    await request(ctx.app).get(`/s/${fx.links['tthc-quick']}`).expect(404);
    const code = fx.links['edu-learner-gdtx']!;
    await fx.models.Link.updateOne({ code }, { $set: { closesAt: new Date(Date.now() - 1000) } });
    const fresh = await createTestContext({}, { keepData: true }); // a new instance: no cached link
    try {
      const res = await request(fresh.app).get(`/s/${code}`).expect(404);
      expect(res.text).toContain('phiếu khảo sát đã đóng');
    } finally {
      await fresh.close();
    }
  });

  it('when a QR image is requested, then PNG and SVG encode the public link', async () => {
    const code = fx.links['edu-parent-thpt']!;
    const png = await request(ctx.app).get(`/qr/${code}.png`).expect(200).expect('content-type', 'image/png');
    expect(png.body.subarray(1, 4).toString()).toBe('PNG');
    const svg = await request(ctx.app).get(`/qr/${code}.svg`).expect(200);
    // supertest buffers an image/svg+xml body rather than reading it as text.
    expect(Buffer.isBuffer(svg.body) ? svg.body.toString('utf8') : svg.text).toContain('<svg');
    await request(ctx.app).get('/qr/zzzzzzzzzz.png').expect(404);
  });
});
