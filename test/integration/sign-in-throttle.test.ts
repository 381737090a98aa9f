import argon2 from 'argon2';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/app';
import type { Database } from '../../src/db';
import { createLogger } from '../../src/logger';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { createUser, csrfFrom, PASSWORD } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { connectTestDatabase } from '../helpers/test-db';

const WRONG = 'sai-mat-khau-roi';

/** A sign-in through the real form from one client address (the app trusts one proxy hop in this file). */
async function prepare(app: Express, address: string) {
  const agent = request.agent(app);
  const page = await agent.get('/admin/login').set('X-Forwarded-For', address).expect(200);
  const csrf = csrfFrom(page.text);
  return (email: string, password: string) => agent.post('/admin/login').set('X-Forwarded-For', address).type('form').send({ _csrf: csrf, email, password });
}
const attempt = async (app: Express, address: string, email: string, password: string) => (await prepare(app, address))(email, password);

describe('sign-in: attempts counted before the check, one check at a time per account, locks by account and address', () => {
  let ctx: TestContext;
  let second: { app: Express; db: Database };
  let models: Models;
  const now = new Date('2026-11-20T02:00:00Z');
  // Every argon2 check is watched (and, for the parallel test, slowed a little so that the posts really overlap).
  const realVerify = argon2.verify.bind(argon2);
  let delayMs = 0;
  let running = 0;
  let peak = 0;
  let checks = 0;

  beforeAll(async () => {
    ctx = await createTestContext({ TRUST_PROXY: '1' }, { clock: () => now });
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.create({ code: 'SGD', name: 'Sở', type: 'department', ancestors: [] });
    for (const email of ['parallel@x.vn', 'owner@x.vn', 'spread@x.vn', 'lucky@x.vn']) await createUser(models, email, 'super_admin', 'SGD');
    // A second app instance on its own connection to the same database: the per-account rule must hold across both.
    const db = await connectTestDatabase({ keepData: true });
    second = { db, app: createApp({ config: ctx.config, logger: createLogger('silent'), db, clock: () => now }) };
    jest.spyOn(argon2, 'verify').mockImplementation(async (...args: Parameters<typeof argon2.verify>) => {
      running += 1;
      checks += 1;
      peak = Math.max(peak, running);
      try {
        if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
        return await realVerify(...args);
      } finally {
        running -= 1;
      }
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await second?.db.close();
    await ctx?.close();
  });
  beforeEach(() => {
    peak = 0;
    checks = 0;
    delayMs = 0;
  });

  it('when wrong passwords for one account are posted in parallel to two instances, then one check runs at a time, the others get 429 and every attempt counts', async () => {
    delayMs = 150;
    const posts = await Promise.all([0, 1, 2, 3].map((i) => prepare(i % 2 ? second.app : ctx.app, '192.0.2.10')));
    const answers = await Promise.all(posts.map((post) => post('parallel@x.vn', WRONG)));
    const statuses = answers.map((r) => r.status).sort();
    expect(peak).toBe(1);
    expect(statuses).toContain(401);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const busy = answers.filter((r) => r.status === 429);
    expect(busy.length).toBe(4 - checks);
    for (const res of busy) expect(res.text).toContain('Đang kiểm tra một lần đăng nhập khác vào tài khoản này');
    // Counted before the check: the refused ones too.
    expect((await models.LoginThrottle.findById('acct:parallel@x.vn').lean())?.failures).toBe(4);
    const audited = (await models.Audit.find({ actor: 'parallel@x.vn' }).lean()).map((e) => e.action).sort();
    expect(audited).toEqual([...Array(checks).fill('login.failure'), ...Array(4 - checks).fill('login.busy')].sort());
  });

  it('when a stranger fails 5 times from one address, then that address is locked for the account and the owner still signs in from another', async () => {
    for (let i = 0; i < 5; i++) expect((await attempt(ctx.app, '203.0.113.66', 'owner@x.vn', WRONG)).status).toBe(401);
    const strangerAgain = await attempt(ctx.app, '203.0.113.66', 'owner@x.vn', PASSWORD);
    expect(strangerAgain.status).toBe(429);
    expect(strangerAgain.text).toContain('Đăng nhập sai quá nhiều lần');
    checks = 0;
    expect((await attempt(second.app, '198.51.100.20', 'owner@x.vn', PASSWORD)).status).toBe(303);
    expect(checks).toBe(1);
    // The owner's success does not unlock the stranger's address.
    expect((await attempt(ctx.app, '203.0.113.66', 'owner@x.vn', PASSWORD)).status).toBe(429);
  });

  it('when strangers fail from many addresses past the account limit, then addresses that failed are locked, a new one gets one check, and the owner gets in from its usual network', async () => {
    // The owner's usual network: signed in from it before the attack.
    expect((await attempt(ctx.app, '198.51.100.21', 'spread@x.vn', PASSWORD)).status).toBe(303);
    for (let a = 1; a <= 5; a++) for (let i = 0; i < 4; i++) expect((await attempt(ctx.app, `203.0.113.${a}`, 'spread@x.vn', WRONG)).status).toBe(401);
    // 20 failures: the account is locked for every address that has failed on it, even with the right password.
    expect((await attempt(ctx.app, '203.0.113.1', 'spread@x.vn', PASSWORD)).status).toBe(429);
    // A fresh address gets one check, and is then locked too.
    expect((await attempt(ctx.app, '203.0.113.6', 'spread@x.vn', WRONG)).status).toBe(401);
    expect((await attempt(ctx.app, '203.0.113.6', 'spread@x.vn', PASSWORD)).status).toBe(429);
    expect((await attempt(ctx.app, '198.51.100.21', 'spread@x.vn', PASSWORD)).status).toBe(303);
  });

  it('when the attempt that reaches the limit has the right password, then it signs in and leaves nothing locked', async () => {
    for (let i = 0; i < 4; i++) expect((await attempt(ctx.app, '192.0.2.44', 'lucky@x.vn', WRONG)).status).toBe(401);
    expect((await attempt(ctx.app, '192.0.2.44', 'lucky@x.vn', PASSWORD)).status).toBe(303);
    expect((await attempt(ctx.app, '192.0.2.44', 'lucky@x.vn', WRONG)).status).toBe(401);
    expect((await attempt(ctx.app, '192.0.2.44', 'lucky@x.vn', PASSWORD)).status).toBe(303);
  });
});
