import type { Express } from 'express';
import request from 'supertest';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { createUser, csrfFrom, PASSWORD } from '../helpers/admin-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Issue 25, item 3: 40 wrong passwords from 40 addresses of one IPv6 /64 were all checked and the right one then
 * signed in; once an account was locked, 9 of 10 fresh addresses were still checked. Addresses are grouped (IPv6
 * by /56), and an account under attack lets addresses that never failed on it through one slow lane, while the
 * owner's usual network is not slowed at all. A stranger still cannot lock the owner out.
 */
const WRONG = 'sai-mat-khau-roi';

async function attempt(app: Express, address: string, email: string, password: string) {
  const agent = request.agent(app);
  const page = await agent.get('/admin/login').set('X-Forwarded-For', address).expect(200);
  return agent
    .post('/admin/login')
    .set('X-Forwarded-For', address)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password });
}

describe('sign-in against guessers that rotate their addresses', () => {
  let ctx: TestContext;
  let models: Models;
  let now = new Date('2026-11-20T02:00:00Z');

  beforeAll(async () => {
    ctx = await createTestContext({ TRUST_PROXY: '1' }, { clock: () => now });
    models = createModels(ctx.db.connection);
    await ensureIndexes(models);
    await models.Unit.create({ code: 'SGD', name: 'Sở', type: 'department', ancestors: [] });
    for (const email of ['v6@x.vn', 'botnet@x.vn']) await createUser(models, email, 'super_admin', 'SGD');
  });
  afterAll(() => ctx.close());

  it('when 40 wrong passwords come from 40 addresses of one IPv6 /64, then 5 are checked, the rest refused, and the right one from there too; the owner elsewhere signs in', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 40; i++) statuses.push((await attempt(ctx.app, `2001:db8:1:2::${i.toString(16)}`, 'v6@x.vn', WRONG)).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
    expect((await attempt(ctx.app, '2001:db8:1:2::ffff', 'v6@x.vn', PASSWORD)).status).toBe(429);
    expect((await attempt(ctx.app, '198.51.100.7', 'v6@x.vn', PASSWORD)).status).toBe(303);
  });

  it('when an account is locked by failures from many addresses, then fresh addresses get one check per slow-lane turn, the owner gets in at once from its usual network, and from a new one at its turn', async () => {
    expect((await attempt(ctx.app, '198.51.100.50', 'botnet@x.vn', PASSWORD)).status).toBe(303);
    // 20 failures, one from each of 20 addresses: the account is locked.
    for (let a = 1; a <= 20; a++) expect((await attempt(ctx.app, `203.0.113.${a}`, 'botnet@x.vn', WRONG)).status).toBe(401);
    expect((await models.LoginThrottle.findById('acct:botnet@x.vn').lean())?.lockedUntil?.getTime()).toBeGreaterThan(now.getTime());

    const fresh: number[] = [];
    for (let a = 1; a <= 10; a++) fresh.push((await attempt(ctx.app, `192.0.2.${a}`, 'botnet@x.vn', WRONG)).status);
    expect(fresh.filter((s) => s === 401)).toHaveLength(1);
    expect(fresh.filter((s) => s === 429)).toHaveLength(9);

    // The owner, from the network it signed in from before: not slowed.
    expect((await attempt(ctx.app, '198.51.100.50', 'botnet@x.vn', PASSWORD)).status).toBe(303);
    // From a new network: refused while the slow lane is taken, let in at its next turn.
    expect((await attempt(ctx.app, '198.51.100.99', 'botnet@x.vn', PASSWORD)).status).toBe(429);
    now = new Date(now.getTime() + 31_000);
    expect((await attempt(ctx.app, '198.51.100.99', 'botnet@x.vn', PASSWORD)).status).toBe(303);
  });
});
