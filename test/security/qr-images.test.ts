import QRCode from 'qrcode';
import request from 'supertest';
import { QrImageCache } from '../../src/links/qr-cache';
import { seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { createTestContext, type TestContext } from '../helpers/test-app';

describe('QR images', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
  });
  afterAll(() => ctx.close());
  afterEach(() => jest.restoreAllMocks());

  it('when one image is asked for 50 times, then it is drawn once and every answer is the same PNG', async () => {
    const draw = jest.spyOn(QRCode, 'toBuffer');
    const code = fx.links['edu-parent-thcs']!;
    const bodies = await Promise.all(Array.from({ length: 50 }, () => request(ctx.app).get(`/qr/${code}.png`).buffer(true).expect(200)));
    expect(draw).toHaveBeenCalledTimes(1);
    expect(new Set(bodies.map((b) => (b.body as Buffer).toString('base64'))).size).toBe(1);
    expect((bodies[0]!.body as Buffer).subarray(1, 4).toString('ascii')).toBe('PNG');
    await request(ctx.app).get(`/qr/${code}.svg`).expect(200).expect('content-type', /svg/);
    // The first draw loads the PNG encoder: seconds on a loaded 2-core machine.
  }, 60_000);

  it('when unknown codes are asked, then each is a 404 and nothing about them is kept', async () => {
    const draw = jest.spyOn(QRCode, 'toBuffer');
    for (const code of ['zzzzzzzzzz', 'yyyyyyyyyy']) await request(ctx.app).get(`/qr/${code}.png`).expect(404);
    await request(ctx.app).get('/qr/..%2F..%2Fetc.png').expect(404);
    expect(draw).not.toHaveBeenCalled();
  });

  it('when one address keeps asking, then it is limited (429) before it can keep a core busy', async () => {
    const code = fx.links['tthc-quick']!;
    const statuses: number[] = [];
    for (let i = 0; i < 320; i++) statuses.push((await request(ctx.app).get(`/qr/${code}.svg`)).status);
    expect(statuses.slice(0, 200).every((s) => s === 200)).toBe(true);
    expect(statuses).toContain(429);
  });
});

describe('the QR image cache', () => {
  it('when more images than its size are kept, then the least recently used goes first and the size stays bounded', async () => {
    const cache = new QrImageCache<string>(3);
    const renders: string[] = [];
    const get = (key: string) =>
      cache.getOrRender(key, () => {
        renders.push(key);
        return Promise.resolve(`img:${key}`);
      });
    await get('a');
    await get('b');
    await get('c');
    await get('a'); // a is now the most recent
    await get('d'); // evicts b
    expect(cache.size).toBe(3);
    await get('a');
    await get('b');
    expect(renders).toEqual(['a', 'b', 'c', 'd', 'b']);
  });

  it('when a render fails, then it is not kept and the next request tries again', async () => {
    const cache = new QrImageCache<string>(3);
    await expect(cache.getOrRender('x', () => Promise.reject(new Error('unknown')))).rejects.toThrow('unknown');
    expect(cache.size).toBe(0);
    await expect(cache.getOrRender('x', () => Promise.resolve('ok'))).resolves.toBe('ok');
  });
});
