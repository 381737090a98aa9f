import express from 'express';
import request from 'supertest';
import { submissionsPerToken } from '../../src/http/rate-limits';

/** An app whose form posts carry the token of the `x-token` header, as the form body parser leaves it in res.locals. */
function appWithLimit(limit: number) {
  const app = express();
  app.use((req, res, next) => {
    res.locals.form = new Map([['_token', req.get('x-token') ?? '']]);
    next();
  });
  app.post('/s/x', submissionsPerToken('test-token-limit', undefined, limit), (_req, res) => {
    res.sendStatus(204);
  });
  app.use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.sendStatus(error.status ?? 500);
  });
  return app;
}

/** Posts of one form token are limited per token (counted under a digest of it, rate-limits.ts). */
describe('submissionsPerToken', () => {
  it('when one token posts past its limit, then it gets 429, and other tokens (even sharing a long prefix) do not', async () => {
    const app = appWithLimit(3);
    const long = 'WyJ-MjAyNi0xMi0wOH5yRXJ5eXFkZEN3N19iR0w1RHJGUlR3Ii'.repeat(4);
    for (let i = 0; i < 3; i++) await request(app).post('/s/x').set('x-token', `${long}a`).expect(204);
    await request(app).post('/s/x').set('x-token', `${long}a`).expect(429);
    await request(app).post('/s/x').set('x-token', `${long}b`).expect(204);
    await request(app).post('/s/x').set('x-token', 'short').expect(204);
  });
});
