import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../src/db';
import { createModels, ensureIndexes, type Models } from '../../src/models';
import { runRetention } from '../../src/retention';
import { connectTestDatabase } from '../helpers/test-db';

const NOW = new Date('2026-11-20T02:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('the retention job', () => {
  let db: Database;
  let other: Database;
  let models: Models;
  beforeAll(async () => {
    db = await connectTestDatabase();
    other = await connectTestDatabase({ keepData: true });
    models = createModels(db.connection);
    await ensureIndexes(models);
    const contact = (responseId: string, retainUntil: Date) => ({
      responseId,
      purpose: 'callback',
      consentText: 'Tôi đồng ý',
      phone: '0900000000',
      consentedAt: ago(400 * DAY),
      retainUntil,
    });
    await models.Contact.insertMany([contact('expired', ago(HOUR)), contact('kept', new Date(NOW.getTime() + DAY))]);
    await models.LoginThrottle.insertMany([
      { _id: 'idle-unlocked', failures: 2, level: 0, updatedAt: ago(2 * DAY) },
      { _id: 'idle-lock-ended', failures: 0, level: 3, lockedUntil: ago(DAY), updatedAt: ago(2 * DAY) },
      { _id: 'recent', failures: 3, level: 0, updatedAt: ago(HOUR) },
      { _id: 'still-locked', failures: 0, level: 5, lockedUntil: new Date(NOW.getTime() + HOUR), updatedAt: ago(2 * DAY) },
    ]);
    await models.PasswordReset.insertMany([
      { _id: 'expired-link', email: 'a@x.vn', createdBy: 'test', createdAt: ago(2 * DAY), expiresAt: ago(DAY) },
      { _id: 'live-link', email: 'b@x.vn', createdBy: 'test', createdAt: ago(HOUR), expiresAt: new Date(NOW.getTime() + HOUR) },
    ]);
    await models.LoginLease.insertMany([
      { _id: 'verify:old', holder: 'h1', until: ago(DAY) },
      { _id: 'verify:now', holder: 'h2', until: new Date(NOW.getTime() + 30_000) },
    ]);
  });
  afterAll(async () => {
    await other.close();
    await db.close();
  });

  it('when it runs on three instances at once, then each expired record goes exactly once and everything still in use stays', async () => {
    const instances = [models, createModels(other.connection), models];
    const results = await Promise.all(instances.map((m) => runRetention(m, NOW)));
    const total = (key: keyof (typeof results)[number]) => results.reduce((sum, r) => sum + r[key], 0);
    expect({
      contacts: total('contacts'),
      loginThrottles: total('loginThrottles'),
      passwordResets: total('passwordResets'),
      loginLeases: total('loginLeases'),
    }).toEqual({
      contacts: 1,
      loginThrottles: 2,
      passwordResets: 1,
      loginLeases: 1,
    });
    expect((await models.Contact.find().lean()).map((c) => c.responseId)).toEqual(['kept']);
    expect((await models.LoginThrottle.find().lean()).map((t) => t._id).sort()).toEqual(['recent', 'still-locked']);
    expect((await models.PasswordReset.find().lean()).map((r) => r._id)).toEqual(['live-link']);
    expect((await models.LoginLease.find().lean()).map((l) => l._id)).toEqual(['verify:now']);
  });

  it('when it runs again, then nothing more is deleted (idempotent)', async () => {
    expect(await runRetention(models, NOW)).toEqual({ contacts: 0, loginThrottles: 0, passwordResets: 0, invitations: 0, loginLeases: 0 });
    expect(await models.Contact.countDocuments()).toBe(1);
  });

  it('when time passes the remaining dates, then the next run removes those too', async () => {
    const later = new Date(NOW.getTime() + 3 * DAY);
    expect(await runRetention(models, later)).toMatchObject({ contacts: 1, loginThrottles: 2, passwordResets: 1 });
  });

  it('when the server starts, then it runs the job at start and on an interval like its other periodic jobs', () => {
    const server = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'server.ts'), 'utf8');
    expect(server).toMatch(/startRetention\(models, instance\.projector, logger\)/);
    expect(server).toMatch(/setInterval\(\(\) => void sweep\(\), RETENTION_INTERVAL_MS\)\.unref\(\)/);
  });
});
