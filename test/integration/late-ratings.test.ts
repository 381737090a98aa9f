import request from 'supertest';
import { rebuildRollups } from '../../src/figures/rebuild';
import { KIOSK_TOKENS } from '../../src/forms/kiosk-offline.routes';
import { allProjectorsSettled } from '../../src/projector/projector';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { createApiToken, createUser, signIn } from '../helpers/admin-fixtures';
import { allAnswers, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

const HOUR = 3600_000;
/** 31 March 2026, 17:00 in Vietnam: the kiosk fetches its tokens, then goes offline for the night. */
const EVENING = new Date('2026-03-31T10:00:00Z');
/** 1 April, 09:00: the network is back and the queue is sent. */
const MORNING = new Date(EVENING.getTime() + 16 * HOUR);

/**
 * Ratings queued offline at a kiosk (issue #29, items 2, 4 and 5): they count in the month they were given, and
 * the figures say how many came late. The device's clock is corrected by its drift from the server's, and not
 * believed when it is off by more than a token's life (24 h): then the rating counts at its token's issue time.
 */
describe('ratings sent late from a kiosk', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let clock = EVENING;
  let tokens: string[] = [];
  let apiToken: string;
  const code = () => fx.links['tthc-quick']!;
  const send = (fields: Record<string, string>) =>
    request(ctx.app)
      .post(`/k/${code()}`)
      .type('form')
      .send({ ...allAnswers(fx.instrument('tthc-quick'), 3), ...fields });
  const stats = async (month: string) =>
    (await request(ctx.app).get(`/api/v1/stats?kind=tthc&unit=MOTCUA&from=${month}&to=${month}`).set('Authorization', `Bearer ${apiToken}`).expect(200))
      .body as { headline: { n: number }; responses: { respondents: number; late: number } };

  beforeAll(async () => {
    ctx = await createTestContext({}, { clock: () => clock });
    fx = await seedSurveyFixtures(ctx.db, new Date(EVENING.getTime() - 24 * HOUR));
    apiToken = await createApiToken(fx.models, 'SGD');
  });
  afterAll(() => ctx.close());

  it('when the kiosk asks for tokens while online, then it gets a batch for the day, never cached; an unknown link gets none', async () => {
    const res = await request(ctx.app).get(`/k/${code()}/tokens`).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.body as { tokens: string[]; issuedAt: number; validForMs: number };
    expect(body.tokens).toHaveLength(KIOSK_TOKENS);
    expect(new Set(body.tokens).size).toBe(KIOSK_TOKENS);
    expect(body).toMatchObject({ issuedAt: EVENING.getTime(), validForMs: 24 * HOUR });
    tokens = body.tokens;
    await request(ctx.app).get('/k/aaaaaaaaaa/tokens').expect(404);
    await request(ctx.app).get('/k/not-a-code!/tokens').expect(404);
  });

  it('when ratings given in the evening arrive the next morning, then they count in March and as late; one given now counts in April', async () => {
    clock = MORNING;
    const at = (date: Date, shift = 0) => String(date.getTime() + shift);
    // The device's clock agrees with the server's.
    expect((await send({ _token: tokens[0]!, given_at: at(EVENING, 5 * 60_000), sent_at: at(MORNING) })).status).toBe(303);
    // The device's clock runs an hour ahead: corrected by its drift, given at 17:30.
    expect((await send({ _token: tokens[1]!, given_at: at(EVENING, 30 * 60_000 + HOUR), sent_at: at(MORNING, HOUR) })).status).toBe(303);
    // The device's clock is three days behind: not believed, the rating counts at its token's issue (17:00).
    expect((await send({ _token: tokens[2]!, given_at: at(EVENING, -3 * 24 * HOUR), sent_at: at(MORNING, -3 * 24 * HOUR) })).status).toBe(303);
    // A time before the token was issued, or after now, is clamped to them.
    expect((await send({ _token: tokens[3]!, given_at: at(MORNING, 5 * 60_000), sent_at: at(MORNING) })).status).toBe(303);
    // Sent twice (two tabs, a retry): stored once.
    expect((await send({ _token: tokens[0]!, given_at: at(EVENING, 5 * 60_000), sent_at: at(MORNING, 1000) })).status).toBe(303);
    // Not a time: taken as now.
    expect((await send({ _token: tokens[4]!, given_at: 'yesterday', sent_at: '1e12' })).status).toBe(303);
    await allProjectorsSettled();

    const byToken = async (token: string) => {
      const id = (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as [string])[0];
      return (await fx.models.Response.findById(id).lean())!;
    };
    const first = await byToken(tokens[0]!);
    expect(first.submittedAt.toISOString()).toBe(new Date(EVENING.getTime() + 5 * 60_000).toISOString());
    expect(first.period).toBe('2026-03');
    expect(first.arrivedAt?.toISOString()).toBe(MORNING.toISOString());
    expect((await byToken(tokens[1]!)).submittedAt.toISOString()).toBe(new Date(EVENING.getTime() + 30 * 60_000).toISOString());
    expect((await byToken(tokens[2]!)).submittedAt.toISOString()).toBe(EVENING.toISOString());
    const clamped = await byToken(tokens[3]!);
    expect([clamped.submittedAt.toISOString(), clamped.period, clamped.arrivedAt]).toEqual([MORNING.toISOString(), '2026-04', undefined]);
    const now = await byToken(tokens[4]!);
    expect([now.period, now.arrivedAt]).toEqual(['2026-04', undefined]);
    expect(await fx.models.Response.countDocuments({ linkCode: code() })).toBe(5);

    expect(await stats('2026-03')).toMatchObject({ headline: { n: 3 }, responses: { respondents: 3, late: 3 } });
    expect(await stats('2026-04')).toMatchObject({ headline: { n: 2 }, responses: { respondents: 2, late: 0 } });
    await createUser(fx.models, 'so@example.vn', 'department', 'SGD');
    const dashboard = await (await signIn(ctx.app, 'so@example.vn')).get('/admin/dashboard?kind=tthc&unit=MOTCUA&from=2026-03&to=2026-03').expect(200);
    expect(dashboard.text).toContain('data-late="3">3 đánh giá gửi muộn (tính vào tháng đánh giá)');
    const { differences } = await rebuildRollups(fx.models, new SurveyCatalog(fx.models.Survey).scaleOf, { fix: false });
    expect(differences).toEqual([]);
  });

  it('when a queued rating arrives after its token has expired, then it is refused and nothing is stored', async () => {
    clock = new Date(EVENING.getTime() + 25 * HOUR);
    const res = await send({ _token: tokens[5]!, given_at: String(EVENING.getTime() + HOUR), sent_at: String(clock.getTime()) });
    expect(res.status).toBe(422);
    expect(await fx.models.Response.countDocuments({ linkCode: code() })).toBe(5);
  });
});
