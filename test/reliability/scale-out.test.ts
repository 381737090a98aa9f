import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase, type Database } from '../../src/db';
import { canConnect, freePort, PROJECT_ROOT } from '../../src/embedded-db/ferretdb';
import { readRunningState } from '../../src/embedded-db/running-state';
import { createLogger } from '../../src/logger';
import { signIn } from '../../scripts/bench/http';
import { startAppProcess, stopAppProcess, type AppProcess } from '../helpers/app-process';
import { pathOf, seedSurveyFixtures, type SurveyFixtures } from '../helpers/survey-fixtures';
import { waitFor } from '../helpers/wait';

/**
 * The scale-out deployment of docker-compose.yml, on this machine (issue 14): Debian's nginx with the repository's
 * own configuration (deploy/nginx/hailong.conf.template) in front of two app instances on one database, with the
 * rate limits in redis-server. Checks: a session made through one instance works through the other; the form flood
 * limit is one ceiling whichever instance answers; the app sees the address nginx saw and not an X-Forwarded-For
 * sent from outside; an instance stopped with SIGTERM during page loads loses none of them.
 */
const SECRET = 'scale-out-secret-scale-out-secret-scale-out';
const ADMIN = { email: 'scale@hailong.test', password: 'scale-out-password-1' };
/** Form posts per link and address a minute (rate-limits.ts, submissionsPerLinkAndIp). */
const POST_CEILING = 600;

interface Answer {
  status: number;
  body: string;
}

/** One HTTP request from a chosen loopback address (127.0.0.2, 127.0.0.3…), so nginx sees distinct clients. */
function send(url: string, options: { method?: string; from?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', localAddress: options.from ?? '127.0.0.1', headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += String(chunk)));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function startProcess(command: string, args: string[], logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return child;
}

const stopProcess = (child: ChildProcess | undefined) =>
  new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGTERM');
  });

/** Which instance answered each request: the upstream column of nginx's access log. */
const upstreamsIn = (log: string) =>
  fs
    .readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[1]!);

describe('two instances behind nginx, rate limits in Redis', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-scale-'));
  const accessLog = path.join(root, 'access.log');
  let redis: ChildProcess | undefined;
  let nginx: ChildProcess | undefined;
  let a: AppProcess | undefined;
  let b: AppProcess | undefined;
  let db: Database;
  let fx: SurveyFixtures;
  let front: string;

  beforeAll(async () => {
    const redisPort = await freePort();
    redis = startProcess(
      '/usr/bin/redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      path.join(root, 'redis.log'),
    );
    const env = {
      SESSION_SECRET: SECRET,
      RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      TRUST_PROXY: '1',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    };
    await waitFor(() => canConnect(redisPort), 10_000, 100);
    a = await startAppProcess({ ...env, DATA_DIR: path.join(root, 'data') });
    const uri = readRunningState(path.join(root, 'data', 'ferretdb'))!.uri;
    b = await startAppProcess({ ...env, MONGODB_URI: uri, DATA_DIR: path.join(root, 'data-b') });
    db = await connectDatabase(uri, createLogger('silent'));
    fx = await seedSurveyFixtures(db);

    // The repository's nginx configuration, substituted as the nginx image does, inside a minimal main file.
    const nginxPort = await freePort();
    const site = fs
      .readFileSync(path.join(PROJECT_ROOT, 'deploy', 'nginx', 'hailong.conf.template'), 'utf8')
      .replace(/\$\{APP1\}/g, `127.0.0.1:${a.port}`)
      .replace(/\$\{APP2\}/g, `127.0.0.1:${b.port}`)
      .replace(/\$\{LISTEN\}/g, `127.0.0.1:${nginxPort}`);
    fs.writeFileSync(path.join(root, 'hailong.conf'), site);
    for (const dir of ['body', 'proxy']) fs.mkdirSync(path.join(root, dir));
    fs.writeFileSync(
      path.join(root, 'nginx.conf'),
      [
        'worker_processes 1;',
        `pid ${root}/nginx.pid;`,
        `error_log ${root}/nginx-error.log warn;`,
        'daemon off;',
        'events { worker_connections 256; }',
        'http {',
        "  log_format upstream '$remote_addr $upstream_addr $status $request';",
        `  access_log ${accessLog} upstream;`,
        `  client_body_temp_path ${root}/body;`,
        `  proxy_temp_path ${root}/proxy;`,
        `  include ${root}/hailong.conf;`,
        '}',
      ].join('\n'),
    );
    nginx = startProcess('/usr/sbin/nginx', ['-c', path.join(root, 'nginx.conf'), '-p', root], path.join(root, 'nginx.out'));
    front = `http://127.0.0.1:${nginxPort}`;
    await waitFor(
      async () =>
        (await send(`${front}/healthz`).then(
          (r) => r.status,
          () => 0,
        )) === 200,
      15_000,
      100,
    );
  }, 180_000);

  afterAll(async () => {
    await db?.close();
    await stopProcess(nginx);
    await stopAppProcess(b);
    await stopAppProcess(a);
    await stopProcess(redis);
    fs.rmSync(root, { recursive: true, force: true });
  });

  beforeEach(() => {
    fs.writeFileSync(accessLog, '');
  });

  it('when an administrator signs in through nginx, then the session works on whichever instance answers', async () => {
    const cookie = await signIn(front, ADMIN.email, ADMIN.password);
    fs.writeFileSync(accessLog, '');
    for (let i = 0; i < 6; i++) {
      const page = await send(`${front}/admin`, { headers: { cookie } });
      expect(page.status).toBe(200);
    }
    expect(new Set(upstreamsIn(accessLog))).toEqual(new Set([`127.0.0.1:${a!.port}`, `127.0.0.1:${b!.port}`]));
  });

  it('when one address floods a form, then the ceiling is the same whichever instance answers, forged X-Forwarded-For does not escape it, and another address is not limited', async () => {
    const form = `${front}${pathOf(fx.instrument('tthc-quick'), fx.links['tthc-quick']!)}`;
    const flood: number[] = [];
    for (let i = 0; i < POST_CEILING + 5; i++) {
      // Each post claims another client address: nginx replaces the header with the address it saw.
      // Each post has its own (invalid) token, so the per-token limit stays out of it.
      const res = await send(form, {
        method: 'POST',
        from: '127.0.0.2',
        headers: { 'x-forwarded-for': `203.0.113.${i % 250}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: `_token=flood-${i}`,
      });
      flood.push(res.status);
    }
    // The posts are refused for their invalid tokens until the ceiling, then 429: one count over both instances.
    expect(flood.slice(0, POST_CEILING).filter((s) => s === 429)).toEqual([]);
    expect(flood.slice(POST_CEILING)).toEqual(Array(5).fill(429));
    const served = upstreamsIn(accessLog).filter(Boolean);
    expect(served.filter((u) => u === `127.0.0.1:${a!.port}`).length).toBeGreaterThan(POST_CEILING / 4);
    expect(served.filter((u) => u === `127.0.0.1:${b!.port}`).length).toBeGreaterThan(POST_CEILING / 4);
    // The app counted nginx's client address, not nginx's own: another client is not limited.
    const other = await send(form, {
      method: 'POST',
      from: '127.0.0.3',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '_token=other',
    });
    expect(other.status).not.toBe(429);
  });

  it('when one instance is stopped with SIGTERM during page loads, then no page load fails', async () => {
    const page = `${front}${pathOf(fx.instrument('edu-parent-thcs'), fx.links['edu-parent-thcs']!)}`;
    const statuses: number[] = [];
    let stopped: Promise<void> | undefined;
    const deadline = Date.now() + 6_000;
    let loads = 0;
    const client = async () => {
      while (Date.now() < deadline) {
        // Each load from its own address (a crowd of phones), so the per-address page limit stays out of it.
        const n = ++loads;
        const res = await send(page, { from: `127.1.${(n >> 8) & 255}.${n & 255}` }).catch(() => ({ status: 0, body: '' }));
        statuses.push(res.status);
      }
    };
    setTimeout(() => {
      stopped = stopAppProcess(b);
    }, 2_000);
    await Promise.all([client(), client(), client(), client()]);
    await stopped;
    expect(b!.child.exitCode).toBe(0);
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  }, 60_000);
});
