import { createModels, type Models } from '../../src/models';
import { listen } from '../helpers/http-server';
import { allAnswers, pathOf, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { countStatuses, runLoad } from './load-driver';
import { reconcile } from './reconcile';

/**
 * Soak: many respondents at once for a while, then everything must reconcile and memory must not keep growing.
 * `npm test` runs it small (a few seconds); `npm run test:soak` runs it at full size: 4 minutes at 30 concurrent
 * respondents, about three times a parents' meeting at its busiest (a few hundred answers in a few minutes).
 */
const FULL = process.env.SOAK === 'full';
const SIZE = FULL ? { durationMs: 240_000, concurrency: 30, max: 50_000 } : { durationMs: 6_000, concurrency: 6, max: 400 };

describe(`soak (${FULL ? 'full' : 'small'})`, () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let models: Models;
  let server: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    // Respondents come from their own addresses (one trusted proxy hop), as parents on their own phones do: one
    // loopback address for all of them would only measure the per-address limits (tested in form-abuse.test.ts).
    ctx = await createTestContext({ FORM_MIN_FILL_SECONDS: '0', TRUST_PROXY: '1' });
    fx = await seedSurveyFixtures(ctx.db);
    models = createModels(ctx.db.connection);
    server = await listen(ctx.app);
  });
  afterAll(async () => {
    await server.close();
    await ctx.close();
  });

  it(
    'when respondents keep arriving, then every 303 is stored exactly once, figures equal the stored answers, and memory levels off',
    async () => {
      const keys = ['edu-parent-tieuhoc', 'edu-parent-thpt', 'tthc-sipas', 'tthc-quick'];
      const targets = keys.map((key) => {
        const instrument = fx.instrument(key);
        return { path: pathOf(instrument, fx.links[key]!), fields: () => allAnswers(instrument, 1 + Math.floor(Math.random() * instrument.scale)) };
      });
      const rss: number[] = [];
      const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 250);
      const attempts = await runLoad({
        baseUrl: server.baseUrl,
        targets,
        concurrency: SIZE.concurrency,
        durationMs: SIZE.durationMs,
        maxRespondents: SIZE.max,
        distinctClients: true,
      });
      clearInterval(sampler);

      const statuses = countStatuses(attempts);
      expect(Object.keys(statuses)).toEqual(['303']);
      const accepted = attempts.filter((a) => a.status === 303);
      expect(accepted.length).toBeGreaterThan(FULL ? 1000 : 30);

      const result = await reconcile(models, accepted, Object.values(fx.links));
      expect(result.missing).toEqual([]);
      expect(result.stored).toBe(result.accepted);
      expect(result.differences).toEqual([]);
      expect(result.rollupRespondents).toBe(result.counted);
      expect(result.counted).toBe(accepted.length);

      // Memory levels off: the last third of the run is not far above the first third.
      const third = Math.max(1, Math.floor(rss.length / 3));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const early = mean(rss.slice(0, third));
      const late = mean(rss.slice(-third));
      expect(late).toBeLessThan(early * 1.5 + 64 * 1024 * 1024);
    },
    FULL ? 600_000 : 60_000,
  );
});
