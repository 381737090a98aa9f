import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const PRODUCTION = { NODE_ENV: 'production', SESSION_SECRET: 'production-secret-production-secret-42' };

describe('loadConfig: proxy trust in production', () => {
  it.each(['true', 'TRUE', '0.0.0.0/0', 'loopback, ::/0'])(
    'when production sets TRUST_PROXY=%j, then boot is refused with one line naming TRUST_PROXY and what to set',
    (value) => {
      expect(() => loadConfig({ ...PRODUCTION, TRUST_PROXY: value })).toThrow(ConfigError);
      let message = '';
      try {
        loadConfig({ ...PRODUCTION, TRUST_PROXY: value });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^Invalid environment: TRUST_PROXY /);
      expect(message).toMatch(/number of proxies.*subnet/);
      expect(message).not.toContain('\n');
    },
  );

  it.each([
    ['1', 1],
    ['loopback', 'loopback'],
    ['10.0.0.0/8, 172.16.0.0/12', '10.0.0.0/8, 172.16.0.0/12'],
    ['false', false],
  ])('when production sets TRUST_PROXY=%j (a hop count, a subnet or nothing), then it is accepted', (value, parsed) => {
    expect(loadConfig({ ...PRODUCTION, TRUST_PROXY: value }).TRUST_PROXY).toEqual(parsed);
  });

  it('when development sets TRUST_PROXY=true, then it is still accepted (local tools only)', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
  });

  it('when docker compose runs the app, then only nginx is published, on 127.0.0.1, and the app trusts that one hop, not every one', () => {
    const compose = fs.readFileSync(path.join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8');
    const published = [...compose.matchAll(/^\s+- "([^"]+:\d+)"$/gm)].map((m) => m[1]);
    expect(published).toEqual(['127.0.0.1:8080:80']);
    // The app replicas are only exposed inside the compose network: no client reaches them past nginx.
    expect(compose).not.toMatch(/:3000:3000/);
    expect(compose).toMatch(/TRUST_PROXY: "1"/);
    expect(compose).not.toMatch(/TRUST_PROXY: "?true/);
  });
});

describe('loadConfig: small-cell threshold', () => {
  it('when SMALL_CELL_K is unset, then it is 5; when set, then it is a number', () => {
    expect(loadConfig({}).SMALL_CELL_K).toBe(5);
    expect(loadConfig({ SMALL_CELL_K: '10' }).SMALL_CELL_K).toBe(10);
  });

  it('when SMALL_CELL_K would expose single answers or is not a number, then boot is refused naming it', () => {
    expect(() => loadConfig({ SMALL_CELL_K: '1' })).toThrow(/^Invalid environment: SMALL_CELL_K /);
    expect(() => loadConfig({ SMALL_CELL_K: 'five' })).toThrow(/SMALL_CELL_K/);
  });
});
