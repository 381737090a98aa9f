import request from 'supertest';
import { countedInFigures, workInFlight } from '../helpers/figure-counts';
import { inboxCollection, newItemId } from '../../src/projector/inbox';
import { allProjectorsSettled } from '../../src/projector/projector';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { allAnswers, seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';
import { inPool, listen } from '../helpers/http-server';
import { claimIdOf, forgetClaimResponseIds, forgetClaimTimes, retryTagOf } from '../../src/responses/dossier-claim';
import { getOrCreateSetting, newSalt } from '../../src/settings.model';

describe('anti-abuse on the public forms', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let now = new Date();
  beforeAll(async () => {
    ctx = await createTestContext({ FORM_MIN_FILL_SECONDS: '3' }, { clock: () => now });
    // On the app's clock: links open a second before it, however long the set-up took on a busy machine (links
    // seeded on the wall clock opened after the app's `now` once set-up took over a second: every form was a 404).
    fx = await seedSurveyFixtures(ctx.db, now);
  });
  afterAll(() => ctx.close());

  /** Loads the form, lets `seconds` pass on the app's clock, then posts. */
  async function answer(path: string, fields: Record<string, string>, seconds = 10, agent = request.agent(ctx.app)) {
    const token = tokenFrom((await agent.get(path).expect(200)).text);
    now = new Date(now.getTime() + seconds * 1000);
    const res = await agent
      .post(path)
      .type('form')
      .send({ _token: token, ...fields });
    await allProjectorsSettled(); // the projector takes it in within moments: its flags, its claim
    return { res, token, agent };
  }

  const countFor = (code: string) => fx.models.Response.countDocuments({ linkCode: code });

  it('when the same token is posted again (a replay), then one response is stored and the replay sees the thank-you page', async () => {
    const code = fx.links['edu-parent-thcs']!;
    const fields = allAnswers(fx.instrument('edu-parent-thcs'), 5);
    const { res, token, agent } = await answer(`/s/${code}`, fields);
    expect(res.status).toBe(303);
    const replay = await agent
      .post(`/s/${code}`)
      .type('form')
      .send({ _token: token, ...fields });
    expect(replay.status).toBe(303);
    expect(replay.headers.location).toBe(`/s/${code}/thanks`);
    expect(await countFor(code)).toBe(1);
    // The replay's own inbox item is dropped: nothing is left for the projector.
    expect(await workInFlight(fx.models)).toBe(0);
    expect(await countedInFigures(fx.models, 'edu-parent-thcs')).toBe(1);
  });

  it('when a double click sends the form twice at once, then one response is stored', async () => {
    const code = fx.links['edu-parent-thpt']!;
    const token = tokenFrom((await request(ctx.app).get(`/s/${code}`)).text);
    now = new Date(now.getTime() + 10_000);
    const body = { _token: token, ...allAnswers(fx.instrument('edu-parent-thpt'), 3) };
    const results = await Promise.all([1, 2, 3].map(() => request(ctx.app).post(`/s/${code}`).type('form').send(body)));
    expect(results.map((r) => r.status)).toEqual([303, 303, 303]);
    expect(await countFor(code)).toBe(1);
    expect(await countedInFigures(fx.models, 'edu-parent-thpt')).toBe(1);
    expect(await workInFlight(fx.models)).toBe(0);
  });

  it('when an earlier attempt died after writing its inbox item and before storing the answer, then the retry counts it once and the dead item counts nothing', async () => {
    const code = fx.links['edu-parent-thcs']!;
    const respondents = () => countedInFigures(fx.models, 'edu-parent-thcs');
    const [storedBefore, countedBefore] = [await countFor(code), await respondents()];
    const token = tokenFrom((await request(ctx.app).get(`/s/${code}`)).text);
    const tokenId = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())[0] as string;
    // What a request cut off between its two writes leaves behind (answers/store-answer.ts).
    const dead = newItemId();
    await inboxCollection(ctx.db.connection).insertOne({ _id: dead, kind: 'answer', at: now, responseId: tokenId });
    now = new Date(now.getTime() + 10_000);
    const res = await request(ctx.app)
      .post(`/s/${code}`)
      .type('form')
      .send({ _token: token, ...allAnswers(fx.instrument('edu-parent-thcs'), 4) });
    expect(res.status).toBe(303);
    expect(await countFor(code)).toBe(storedBefore + 1);
    expect(await respondents()).toBe(countedBefore + 1);
    // The stored answer names the retry's item, not the dead one, which is dropped without counting anything.
    expect(await workInFlight(fx.models)).toBe(0);
    expect(await respondents()).toBe(countedBefore + 1);
  });

  const sipasRespondents = () => countedInFigures(fx.models, 'tthc-sipas');

  it('when a dossier code is reused (in another case and spacing), then the second answer is stored flagged for review and the page is the same thank-you', async () => {
    const code = fx.links['tthc-sipas']!;
    const fields = allAnswers(fx.instrument('tthc-sipas'), 4);
    const first = await answer(`/s/${code}`, { ...fields, dossier_code: 'HS-2026/0042' });
    const second = await answer(`/s/${code}`, { ...fields, dossier_code: 'hs-2026/0042 ' });
    // Nothing tells the sender whether the code was used: same status, same place.
    expect([first.res.status, second.res.status]).toEqual([303, 303]);
    expect(second.res.headers.location).toBe(first.res.headers.location);
    const stored = await fx.models.Response.find({ linkCode: code }).sort({ submittedAt: 1 }).lean();
    expect(stored.map((r) => [r.flags, r.counted])).toEqual([
      [[], true],
      [['dossier_reused'], false],
    ]);
    expect(await sipasRespondents()).toBe(1);
    const claims = await fx.models.DossierClaim.find().lean();
    expect(claims).toHaveLength(1);
    // Neither the code nor a response id sits in the claim: only hashes.
    const claimText = JSON.stringify(claims);
    expect(claimText).not.toMatch(/0042/);
    for (const r of stored) expect(claimText).not.toContain(r._id);
    expect(JSON.stringify(stored)).not.toMatch(/0042/);
  });

  it('when a flagged answer (the honeypot) carries a dossier code, then it claims nothing and the real respondent is counted later', async () => {
    const code = fx.links['tthc-sipas']!;
    const fields = allAnswers(fx.instrument('tthc-sipas'), 5);
    const [claimsBefore, countedBefore] = [await fx.models.DossierClaim.countDocuments(), await sipasRespondents()];
    const bot = await answer(`/s/${code}`, { ...fields, dossier_code: 'HS-2026/0777', website: 'http://spam.example' });
    expect(bot.res.status).toBe(303);
    expect(await fx.models.DossierClaim.countDocuments()).toBe(claimsBefore);
    const person = await answer(`/s/${code}`, { ...fields, dossier_code: 'HS-2026/0777' });
    expect(person.res.status).toBe(303);
    const personId = JSON.parse(Buffer.from(person.token.split('.')[0]!, 'base64url').toString())[0] as string;
    expect(await fx.models.Response.findById(personId).lean()).toMatchObject({ flags: [], counted: true });
    expect(await fx.models.DossierClaim.countDocuments()).toBe(claimsBefore + 1);
    expect(await sipasRespondents()).toBe(countedBefore + 1);
  });

  it('when the same form is sent again (a retry after an outage), or its code was claimed by an attempt of the same form before, then it is counted once and claims once', async () => {
    const code = fx.links['tthc-sipas']!;
    const salt = await getOrCreateSetting(fx.models.Setting, 'hash-salt', newSalt);
    const send = async (dossier: string, claimedBefore: boolean) => {
      const agent = request.agent(ctx.app); // one person's browser
      const token = tokenFrom((await agent.get(`/s/${code}`).expect(200)).text);
      now = new Date(now.getTime() + 10_000);
      // What an attempt of the same form left before the projector decided claims: its claim, tagged with the form.
      if (claimedBefore)
        await fx.models.DossierClaim.collection.insertOne({ _id: claimIdOf(salt, 'tthc-sipas', dossier), retryTag: retryTagOf(salt, token) } as never);
      const body = { _token: token, ...allAnswers(fx.instrument('tthc-sipas'), 3), dossier_code: dossier };
      expect((await agent.post(`/s/${code}`).type('form').send(body)).status).toBe(303);
      expect((await agent.post(`/s/${code}`).type('form').send(body)).status).toBe(303);
      await allProjectorsSettled();
      const id = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())[0] as string;
      expect(await fx.models.Response.findById(id).lean()).toMatchObject({ flags: [], counted: true, ratedDossier: true });
      expect(await fx.models.Response.countDocuments({ _id: id })).toBe(1);
      expect(await fx.models.DossierClaim.countDocuments({ _id: claimIdOf(salt, 'tthc-sipas', dossier) } as never)).toBe(1);
    };
    await send('HS-2026/0900', false);
    await send('HS-2026/0901', true);
  });

  it('when claims written before this change name their response in clear, then start-up removes the name and keeps the claim', async () => {
    await fx.models.DossierClaim.collection.insertOne({ _id: 'tthc-sipas:legacy', responseId: 'legacy-response-id', claimedAt: now } as never);
    expect(await forgetClaimResponseIds(fx.models.DossierClaim)).toBe(1);
    const legacy = await fx.models.DossierClaim.collection.findOne({ _id: 'tthc-sipas:legacy' } as never);
    expect(legacy).toMatchObject({ _id: 'tthc-sipas:legacy' });
    expect(legacy).not.toHaveProperty('responseId');
    expect(await forgetClaimResponseIds(fx.models.DossierClaim)).toBe(0);
  });

  // Issue 25, item 5: a claim stamped with its answer's millisecond joined a dossier code to the answer.
  it('when claims carry a time, then start-up removes it; claims written now carry nothing but the code hash and the retry tag', async () => {
    await fx.models.DossierClaim.collection.insertOne({ _id: 'tthc-sipas:timed', retryTag: 'x', claimedAt: now } as never);
    const timed = (await fx.models.DossierClaim.collection.find({}).toArray()).filter((claim) => 'claimedAt' in claim).length;
    expect(timed).toBeGreaterThan(0);
    expect(await forgetClaimTimes(fx.models.DossierClaim)).toBe(timed);
    expect(await forgetClaimTimes(fx.models.DossierClaim)).toBe(0);
    const claims = await fx.models.DossierClaim.collection.find({}).toArray();
    expect(claims.length).toBeGreaterThan(2);
    for (const claim of claims) expect(Object.keys(claim).sort()).toEqual(String(claim._id) === 'tthc-sipas:legacy' ? ['_id'] : ['_id', 'retryTag']);
  });

  it('when the honeypot is filled, then the response is stored flagged and kept out of the figures', async () => {
    const code = fx.links['edu-learner-gdtx']!;
    const { res } = await answer(`/s/${code}`, { ...allAnswers(fx.instrument('edu-learner-gdtx'), 1), website: 'http://spam.example' });
    expect(res.status).toBe(303);
    const stored = await fx.models.Response.findOne({ linkCode: code }).lean();
    expect(stored?.flags).toEqual(['honeypot']);
    expect(stored?.counted).toBe(false);
    expect(await countedInFigures(fx.models, 'edu-learner-gdtx')).toBe(0);
  });

  it('when a form is sent faster than the minimum fill time, then it is stored flagged too_fast', async () => {
    const code = fx.links['edu-parent-mamnon']!;
    const { res } = await answer(`/s/${code}`, allAnswers(fx.instrument('edu-parent-mamnon'), 4), 1);
    expect(res.status).toBe(303);
    const stored = await fx.models.Response.findOne({ linkCode: code }).lean();
    expect(stored?.flags).toEqual(['too_fast']);
    expect(stored?.fillSeconds).toBe(1);
  });

  it('when the same device answers the same link twice, then the second is stored but flagged, never blocked', async () => {
    const code = fx.links['edu-pupil-thpt']!;
    const agent = request.agent(ctx.app);
    const fields = allAnswers(fx.instrument('edu-pupil-thpt'), 4);
    expect((await answer(`/s/${code}`, fields, 10, agent)).res.status).toBe(303);
    expect((await answer(`/s/${code}`, fields, 10, agent)).res.status).toBe(303);
    const stored = await fx.models.Response.find({ linkCode: code }).sort({ submittedAt: 1 }).lean();
    expect(stored.map((r) => r.flags)).toEqual([[], ['repeat_device']]);
  });

  it('when a token is older than a day, then the form is shown again with the answers and a fresh token', async () => {
    const code = fx.links['edu-parent-tieuhoc']!;
    const { res, token } = await answer(`/s/${code}`, allAnswers(fx.instrument('edu-parent-tieuhoc'), 2), 25 * 3600);
    expect(res.status).toBe(422);
    expect(res.text).toContain('Phiên làm phiếu đã hết hạn');
    expect(res.text).toMatch(/name="overall" value="2" checked/);
    expect(tokenFrom(res.text)).not.toBe(token);
    expect(await countFor(code)).toBe(0);
  });
});

describe('rate limits on one link behind one school Wi-Fi address', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let server: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    ctx = await createTestContext({ FORM_MIN_FILL_SECONDS: '0' });
    fx = await seedSurveyFixtures(ctx.db);
    server = await listen(ctx.app);
  });
  afterAll(async () => {
    await server.close();
    await ctx.close();
  });

  it('when 300 parents submit within minutes from one IP, then all 300 are accepted and stored', async () => {
    const code = fx.links['tthc-quick']!;
    const statuses = await inPool(300, 8, async (i) => {
      const page = await fetch(`${server.baseUrl}/k/${code}`);
      const token = tokenFrom(await page.text());
      const res = await fetch(`${server.baseUrl}/k/${code}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _token: token, ease: String((i % 3) + 1), overall: String((i % 3) + 1) }),
      });
      return res.status;
    });
    expect(statuses.filter((s) => s === 303)).toHaveLength(300);
    expect(await fx.models.Response.countDocuments({ linkCode: code, counted: true })).toBe(300);
  }, 120_000);

  it('when one address floods a link with thousands of posts a minute, then it gets 429', async () => {
    const code = fx.links['edu-parent-thcs']!;
    const statuses = await inPool(900, 16, async () => {
      const res = await fetch(`${server.baseUrl}/s/${code}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'overall=5',
      });
      await res.arrayBuffer();
      return res.status;
    });
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(200);
    expect(statuses.every((s) => s === 400 || s === 429)).toBe(true);
    expect(await fx.models.Response.countDocuments({ linkCode: code })).toBe(0);
  }, 120_000);
});
