import { createUser, csrfFrom, signIn } from '../helpers/admin-fixtures';
import { countedInFigures, workInFlight } from '../helpers/figure-counts';
import { inPool, listen } from '../helpers/http-server';
import { seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { ratingQuestions } from '../../src/surveys/form-fields';
import { CLUSTER_LIMITS } from '../../src/projector/address-clusters';
import { allProjectorsSettled } from '../../src/projector/projector';

/**
 * Ballot stuffing (issue 13, item 2): one address posting far more answers to one link in an hour than a school
 * behind one Wi-Fi address would. Two app instances share the database, as behind a load balancer: the cluster
 * counters must be in the database, not in either instance's memory. The app's clock is injected so that every
 * answer falls in one hour; each instance's per-address rate limit (600 a minute) is not what is tested here.
 */
jest.setTimeout(300_000);

const START = new Date('2026-11-10T02:00:00Z');
const ADMIN = 'so@sogd.gov.vn';

describe('answers stuffed from one address', () => {
  let now = START;
  let a: TestContext;
  let b: TestContext;
  let fx: SurveyFixtures;
  let servers: Array<Awaited<ReturnType<typeof listen>>>;

  beforeAll(async () => {
    const env = { TRUST_PROXY: '1', FORM_MIN_FILL_SECONDS: '0' };
    a = await createTestContext(env, { clock: () => now });
    fx = await seedSurveyFixtures(a.db, new Date(START.getTime() - 24 * 3600_000));
    b = await createTestContext(env, { clock: () => now, keepData: true });
    servers = [await listen(a.app), await listen(b.app)];
    await createUser(fx.models, ADMIN, 'super_admin', 'SGD');
  });
  afterAll(async () => {
    for (const s of servers ?? []) await s.close();
    await b?.close();
    await a?.close();
  });

  /** One respondent: loads the form and posts it from `ip`, on instance i % 2; the app's clock moves 3 s each. */
  async function respond(i: number, surveyKey: string, ip: string, fields: Record<string, string>): Promise<number> {
    const base = servers[i % 2]!.baseUrl;
    const path = `/s/${fx.links[surveyKey]}`;
    const headers = { 'x-forwarded-for': ip };
    const token = tokenFrom(await (await fetch(`${base}${path}`, { headers })).text());
    now = new Date(now.getTime() + 3_000);
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _token: token, ...fields }),
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** Answers that differ from one respondent to the next (bits of i), overall as given. */
  function variedAnswers(surveyKey: string, i: number, overall: string): Record<string, string> {
    const instrument = fx.instrument(surveyKey);
    const fields = Object.fromEntries(ratingQuestions(instrument).map((q, bit) => [q.key, String(((i >> bit) & 1) + 4)]));
    return { ...fields, [instrument.overall.key]: overall };
  }

  const respondents = (surveyKey: string) => countedInFigures(fx.models, surveyKey);
  /** The stored answers of a link, once the projector has taken in what the instances accepted (flags included). */
  const responsesOf = async (surveyKey: string) => {
    await allProjectorsSettled();
    return fx.models.Response.find({ linkCode: fx.links[surveyKey] }).lean();
  };

  it('when 1,000 answers come from one address to one link within an hour, through two instances, then all are stored, flagged as one cluster and out of the figures', async () => {
    const statuses = await inPool(1000, 8, (i) => respond(i, 'edu-parent-thcs', '203.0.113.7', variedAnswers('edu-parent-thcs', i, '5')));
    expect(statuses.filter((s) => s === 303)).toHaveLength(1000);
    expect(now.getTime() - START.getTime()).toBeLessThan(3600_000);

    const stored = await responsesOf('edu-parent-thcs');
    expect(stored).toHaveLength(1000);
    // The earliest answers too: they were counted until the cluster crossed its limit, then swept out.
    expect(stored.filter((r) => r.counted)).toEqual([]);
    expect(stored.filter((r) => !r.flags.includes('burst'))).toEqual([]);
    expect(new Set(stored.map((r) => r.addressHash)).size).toBe(1);
    expect(await respondents('edu-parent-thcs')).toBe(0);
    expect(await workInFlight(fx.models)).toBe(0);
  });

  it('when the database is searched for the address, then it is nowhere in clear', async () => {
    const collections = await a.db.connection.db!.listCollections().toArray();
    for (const { name } of collections) {
      const text = JSON.stringify(await a.db.connection.db!.collection(name).find().toArray());
      expect({ name, found: text.includes('203.0.113.7') }).toEqual({ name, found: false });
    }
  });

  it('when 200 parents behind one school address answer within the hour, then none is flagged and all are counted', async () => {
    const statuses = await inPool(200, 8, (i) =>
      respond(i, 'edu-parent-tieuhoc', '198.51.100.20', variedAnswers('edu-parent-tieuhoc', i, String((i % 5) + 1))),
    );
    expect(statuses.filter((s) => s === 303)).toHaveLength(200);
    const stored = await responsesOf('edu-parent-tieuhoc');
    expect(stored.filter((r) => r.flags.length > 0 || !r.counted)).toEqual([]);
    expect(await respondents('edu-parent-tieuhoc')).toBe(200);
  });

  it('when one address sends the same answers again and again (fewer than the hourly limit), then the repeated set is flagged, earlier copies too', async () => {
    const count = CLUSTER_LIMITS.sameAnswersPerHour + 40;
    const same = variedAnswers('edu-parent-mamnon', 0, '5');
    const statuses = await inPool(count, 8, (i) => respond(i, 'edu-parent-mamnon', '192.0.2.50', same));
    expect(statuses.filter((s) => s === 303)).toHaveLength(count);
    const stored = await responsesOf('edu-parent-mamnon');
    expect(stored.filter((r) => r.counted || !r.flags.includes('identical'))).toEqual([]);
    expect(stored.filter((r) => r.flags.includes('burst'))).toEqual([]);
    expect(await respondents('edu-parent-mamnon')).toBe(0);
    expect(await workInFlight(fx.models)).toBe(0);
  });

  it('when an admin includes a cluster, then each answer counts once, in one audited action, and a second press changes nothing; excluding takes them out again', async () => {
    const admin = await signIn(a.app, ADMIN);
    const page = await admin.get('/admin/review?kind=education').expect(200);
    const keys = [...new Set([...page.text.matchAll(/action="\/admin\/review\/clusters\/([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!)))];
    const thcs = keys.filter((k) => k.includes(fx.links['edu-parent-thcs']!));
    expect(thcs).toHaveLength(1);
    expect(page.text).toContain('1.000');
    const csrf = csrfFrom(page.text);
    const decide = (decision: string) =>
      admin
        .post(`/admin/review/clusters/${encodeURIComponent(thcs[0]!)}`)
        .type('form')
        .send({ _csrf: csrf, decision });
    const audits = () => fx.models.Audit.countDocuments({ action: /^review\.cluster\./ });

    expect((await decide('include')).status).toBe(303);
    expect(await respondents('edu-parent-thcs')).toBe(1000);
    expect(await fx.models.Response.countDocuments({ linkCode: fx.links['edu-parent-thcs'], counted: true })).toBe(1000);
    expect(await audits()).toBe(1);
    expect((await decide('include')).status).toBe(303);
    expect(await respondents('edu-parent-thcs')).toBe(1000);
    expect(await audits()).toBe(1);

    expect((await decide('exclude')).status).toBe(303);
    expect(await respondents('edu-parent-thcs')).toBe(0);
    expect(await audits()).toBe(2);
    expect(await workInFlight(fx.models)).toBe(0);
    const entry = await fx.models.Audit.findOne({ action: 'review.cluster.exclude' }).lean();
    expect(entry?.details).toMatchObject({ answers: 1000, changed: 1000 });
  });
});
