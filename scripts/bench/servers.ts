import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/db';
import { freePort, PROJECT_ROOT } from '../../src/embedded-db/ferretdb';
import { createLogger } from '../../src/logger';
import { bareApp } from './bare-server';
import { waitForOk } from './http';

/** A server under test: where to reach it, which process to sample, how to stop it. */
export interface RunningServer {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The app's settings for every case: production mode (view cache, secure cookies behind the proxy), the bench as
 * the one trusted proxy hop, no minimum fill time (B2 posts at once), no schedule and no demo seed.
 */
export function appEnv(uri: string, port: number, logLevel: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    MONGODB_URI: uri,
    SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: logLevel,
    TRUST_PROXY: '1',
    FORM_MIN_FILL_SECONDS: '0',
    REPORT_SCHEDULE: 'false',
    DB_SEED_DEMO: 'false',
  };
}

function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
  return exited.finally(() => {
    clearTimeout(timer);
  });
}

function spawnNode(args: string[], env: Record<string, string>, logFile: string, node = process.execPath): { child: ChildProcess; exited: Promise<void> } {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(node, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', log, log, 'ipc'], cwd: PROJECT_ROOT });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  return { child, exited };
}

/**
 * The node flags of `npm start` (package.json's start script, e.g. the heap growth setting), so the bench runs the
 * app exactly as production starts it.
 */
export function startScriptNodeFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts.start!.trim().split(/\s+/);
  if (words[0] !== 'node' || words[words.length - 1] !== 'dist/src/server.js') throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return words.slice(1, -1);
}

/** `node dist/src/server.js` with the flags of `npm start`, as production runs it; its output goes to `logFile`. */
export async function startAppProcess(options: { uri: string; logLevel: string; logFile: string; nodeArgs?: string[]; node?: string }): Promise<RunningServer> {
  const port = await freePort();
  const args = [...startScriptNodeFlags(), ...(options.nodeArgs ?? []), path.join(PROJECT_ROOT, 'dist', 'src', 'server.js')];
  const { child, exited } = spawnNode(args, appEnv(options.uri, port, options.logLevel), options.logFile, options.node);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForOk(`${baseUrl}/readyz`, 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`the app did not become ready (see ${options.logFile}): ${(error as Error).message}`);
  }
  return { baseUrl, pid: child.pid!, stop: () => stopChild(child, exited) };
}

/** The B1 baseline in its own process, like the app, on the same runtime as the app it is compared with. */
export async function startBareProcess(page: Buffer, workDir: string, node?: string): Promise<RunningServer> {
  const port = await freePort();
  const file = path.join(workDir, 'bench-page.html');
  fs.writeFileSync(file, page);
  const { child, exited } = spawnNode(
    [path.join(PROJECT_ROOT, 'dist', 'scripts', 'bench', 'bare-server.js'), file, String(port)],
    {},
    path.join(workDir, 'bare-server.log'),
    node,
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForOk(`${baseUrl}/s/probe`, 15_000);
  return { baseUrl, pid: child.pid!, stop: () => stopChild(child, exited) };
}

function listen(app: ReturnType<typeof bareApp>): Promise<{ baseUrl: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server: Server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        baseUrl: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => {
              done();
            });
          }),
      });
    });
  });
}

/** The app inside this process (the smoke test; no RSS isolation), with the same settings as the child. */
export async function startAppInProcess(uri: string): Promise<RunningServer> {
  const db = await connectDatabase(uri, createLogger('silent'));
  const config = loadConfig(appEnv(uri, 0, 'silent'));
  const server = await listen(createApp({ config, logger: createLogger('silent'), db }));
  return {
    baseUrl: server.baseUrl,
    pid: process.pid,
    async stop() {
      await server.close();
      await db.close();
    },
  };
}

export async function startBareInProcess(page: Buffer): Promise<RunningServer> {
  const server = await listen(bareApp(page));
  return { baseUrl: server.baseUrl, pid: process.pid, stop: () => server.close() };
}
