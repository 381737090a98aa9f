import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { requestLogging } from '../../src/http/request-logging';

/** A pino logger writing its lines into an array. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info', base: undefined }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('request logging', () => {
  it('when a request finishes, then one line carries its id, method, path (no query), status and time', async () => {
    const { logger, lines } = capturingLogger();
    const app = express();
    app.use(requestLogging(logger));
    app.get('/s/:code', (_req, res) => void res.status(200).send('ok'));
    const res = await request(app).get('/s/abc?token=secret').set('X-Request-Id', 'incoming-id-123');
    expect(res.headers['x-request-id']).toBe('incoming-id-123');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'incoming-id-123', method: 'GET', url: '/s/abc' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0]!.responseTime).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it('when a handler logs through req.log and answers 500, then its line carries the request id and the request line is an error', async () => {
    const { logger, lines } = capturingLogger();
    const app = express();
    app.use(requestLogging(logger));
    app.get('/boom', (req, res) => {
      req.log!.warn('something odd');
      res.status(500).send('no');
    });
    const res = await request(app).get('/boom');
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[\w-]{36}$/);
    expect(lines.find((l) => l.msg === 'something odd')).toMatchObject({ reqId: id, level: 40 });
    expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ level: 50, res: { statusCode: 500 } });
  });

  it('when a probe is called or an incoming id is not sane, then probes are not logged and a fresh id is used', async () => {
    const { logger, lines } = capturingLogger();
    const app = express();
    app.use(requestLogging(logger));
    app.get('/readyz', (_req, res) => void res.send('ok'));
    const res = await request(app).get('/readyz').set('X-Request-Id', '../../etc/passwd');
    expect(res.headers['x-request-id']).not.toContain('/');
    expect(lines).toHaveLength(0);
  });
});
