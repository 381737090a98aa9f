import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/test-app';

/** Every href of the page that would leave our origin (an absolute or protocol-relative URL). */
const offSiteLinks = (html: string) =>
  [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!).filter((href) => href !== 'data:,' && /^(\/\/|\/\\|\\|[a-z]+:)/i.test(href));

/** A raw GET, so the path reaches the server exactly as written (no client normalising `//` or `\`). */
function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve(body);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the language switch link', () => {
  let ctx: TestContext;
  let server: http.Server;
  beforeAll(async () => {
    ctx = await createTestContext();
    server = http.createServer(ctx.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await ctx.close();
  });

  it.each(['//evil.example/', '//evil.example/s/x', '/\\evil.example/', '///evil.example'])(
    'when the page is asked as %j, then the switch stays on our site',
    async (path) => {
      const html = await rawGet((server.address() as AddressInfo).port, path);
      expect(html).toContain('class="lang"');
      expect(html).not.toContain('evil.example/?lang');
      expect(/<a class="lang" href="([^"]*)"/.exec(html)?.[1]).toBe('?lang=en');
      expect(offSiteLinks(html)).toEqual([]);
    },
  );

  it('when an ordinary page is shown in English, then the switch offers Vietnamese on the same page', async () => {
    const res = await request(ctx.app).get('/?lang=en').expect(200);
    expect(/<a class="lang" href="([^"]*)"/.exec(res.text)?.[1]).toBe('?lang=vi');
  });
});
