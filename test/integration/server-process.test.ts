import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, PROJECT_ROOT } from '../../src/embedded-db/ferretdb';
import { csrfFrom } from '../helpers/admin-fixtures';
import { testDatabaseUri } from '../helpers/test-db';
import { waitFor } from '../helpers/wait';

/** The built server (dist/, compiled by `npm test`'s pretest) run as a real process, as `npm start` runs it. */
const SERVER = path.join(PROJECT_ROOT, 'dist', 'src', 'server.js');

interface Running {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<Running> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [...nodeArgs, SERVER], {
    env: { PATH: process.env.PATH, PORT: String(port), LOG_LEVEL: 'info', DB_SEED_DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    }),
  );
  return { child, port, output: () => output, exited };
}

const get = (port: number, route: string) =>
  fetch(`http://127.0.0.1:${port}${route}`).then(
    (r) => r.status,
    () => 0,
  );

describe('the server process', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-server-'));
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('when MONGODB_URI is set, then it serves / and /readyz on that server, starts no database, and exits 0 on SIGTERM', async () => {
    const server = await startServer({ MONGODB_URI: testDatabaseUri('t_server_process'), DATA_DIR: dataDir });
    try {
      await waitFor(async () => (await get(server.port, '/readyz')) === 200, 15000);
      expect(await get(server.port, '/')).toBe(200);
      expect(fs.existsSync(path.join(dataDir, 'ferretdb'))).toBe(false);
      server.child.kill('SIGTERM');
      const started = Date.now();
      const { code } = await server.exited;
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10000);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('when it has served pages, then the modules only some instances need (workbooks, charts, mail, Redis) are not loaded', async () => {
    const list = path.join(dataDir, 'loaded-modules.txt');
    const probe = path.join(PROJECT_ROOT, 'test', 'helpers', 'loaded-modules.cjs');
    const server = await startServer({ MONGODB_URI: testDatabaseUri('t_server_process'), DATA_DIR: dataDir, LOADED_MODULES_FILE: list }, ['--require', probe]);
    try {
      await waitFor(async () => (await get(server.port, '/readyz')) === 200, 15000);
      expect(await get(server.port, '/')).toBe(200);
      expect(await get(server.port, '/admin/login')).toBe(200);
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
    // Together they held about 130 MB of RSS at start (docs/benchmarks.md, session 16); they load at first use.
    const loaded = fs.readFileSync(list, 'utf8').split('\n');
    expect(loaded.some((file) => file.includes(`${path.sep}mongoose${path.sep}`))).toBe(true);
    for (const heavy of ['exceljs', '@napi-rs/canvas', 'chart.js', 'nodemailer', '@redis/client']) {
      expect(loaded.filter((file) => file.includes(`node_modules/${heavy}/`))).toEqual([]);
    }
  });

  it('when MONGODB_URI is unset, then it starts the embedded FerretDB under DATA_DIR and stops it on SIGTERM', async () => {
    const server = await startServer({ DATA_DIR: dataDir });
    try {
      await waitFor(async () => (await get(server.port, '/readyz')) === 200, 20000);
      expect(fs.existsSync(path.join(dataDir, 'ferretdb', 'sqlite'))).toBe(true);
      const ferretPort = Number(/127\.0\.0\.1:(\d+)/.exec(server.output())?.[1]);
      expect(ferretPort).toBeGreaterThan(0);
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
      await waitFor(async () => !(await canConnect(ferretPort)), 3000);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('when SIGTERM arrives while the database is still unreachable, then it exits 0', async () => {
    const server = await startServer({ MONGODB_URI: `mongodb://127.0.0.1:${await freePort()}/nobody_listens`, DATA_DIR: dataDir });
    try {
      await waitFor(async () => (await get(server.port, '/healthz')) === 200, 15000);
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
      expect(server.output()).not.toContain('ReferenceError');
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('when SIGTERM arrives while the first start is still seeding the demo data, then it exits 0 and stops the embedded FerretDB', async () => {
    const freshDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-seeding-'));
    const server = await startServer({ DATA_DIR: freshDir, DB_SEED_DEMO: 'true' });
    try {
      await waitFor(() => server.output().includes('seeding demo data'), 20000, 50);
      const ferretPort = Number(/127\.0\.0\.1:(\d+)/.exec(server.output())?.[1]);
      expect(ferretPort).toBeGreaterThan(0);
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
      expect(server.output()).not.toContain('Start-up failed');
      await waitFor(async () => !(await canConnect(ferretPort)), 3000);
    } finally {
      server.child.kill('SIGKILL');
      fs.rmSync(freshDir, { recursive: true, force: true });
    }
  }, 40_000);

  it('when the first start seeds an empty embedded database, then /readyz is 503 until the administrator can sign in', async () => {
    const freshDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-first-start-'));
    const admin = { email: 'quantri@example.vn', password: 'mat-khau-khoi-dong-2026' };
    // No monthly catch-up: it runs after readiness and would only compete for the CPU.
    const env = { DATA_DIR: freshDir, DB_SEED_DEMO: 'true', ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, REPORT_SCHEDULE: 'false' };
    const server = await startServer(env);
    try {
      const seen = new Set<number>();
      await waitFor(
        async () => {
          const status = await get(server.port, '/readyz');
          seen.add(status);
          return status === 200;
        },
        150_000,
        100,
      );
      // At once, as a deploy script or a newcomer would: the first 200 promises a sign-in that works.
      expect(await signIn(server.port, admin)).toEqual({ status: 303, location: '/admin' });
      // Seeding takes seconds, so readiness said 503 while the listener was already answering.
      expect([...seen]).toContain(503);
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
      fs.rmSync(freshDir, { recursive: true, force: true });
    }
  }, 200_000);

  it('when SIGTERM arrives, then readiness turns 503 on an open connection before the listener closes', async () => {
    const server = await startServer({ MONGODB_URI: testDatabaseUri('t_server_process'), DATA_DIR: dataDir });
    try {
      await waitFor(async () => (await get(server.port, '/readyz')) === 200, 15000);
      server.child.kill('SIGTERM');
      await waitFor(async () => (await get(server.port, '/readyz')) === 503, 900, 50);
      expect((await server.exited).code).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('when an environment value is bad, then boot stops with one line naming it and a non-zero exit', async () => {
    const server = await startServer({ PORT: 'not-a-port' });
    const { code } = await server.exited;
    expect(code).not.toBe(0);
    const lines = server.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid environment: PORT /);
  });
});

/** Signs in through the login form as a browser does: the GET gives the session cookie and its CSRF token. */
async function signIn(port: number, admin: { email: string; password: string }): Promise<{ status: number; location: string | null }> {
  const page = await fetch(`http://127.0.0.1:${port}/admin/login`);
  const cookie = page.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const res = await fetch(`http://127.0.0.1:${port}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: csrfFrom(await page.text()), ...admin }),
  });
  return { status: res.status, location: res.headers.get('location') };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}
