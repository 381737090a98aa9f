import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, PROJECT_ROOT } from '../../src/embedded-db/ferretdb';
import { waitFor } from './wait';

/**
 * A real app process (`dist/src/server.js`, as `npm start` runs it) for tests of deployments: several instances,
 * backups, proxies. Ready once /readyz says so. Its output is kept (the last 20 kB) for a failing test to show.
 */
export interface AppProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  output: () => string;
}

export async function startAppProcess(env: Record<string, string>, options: { node?: string } = {}): Promise<AppProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(options.node ?? process.execPath, [path.join(PROJECT_ROOT, 'dist', 'src', 'server.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DB_SEED_DEMO: 'false',
      FORM_MIN_FILL_SECONDS: '0',
      TRUST_PROXY: '1',
      REPORT_SCHEDULE: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output = (output + String(chunk)).slice(-20_000)));
  child.stderr.on('data', (chunk) => (output = (output + String(chunk)).slice(-20_000)));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () =>
      (await fetch(`${baseUrl}/readyz`).then(
        (r) => r.status,
        () => 0,
      )) === 200,
    60_000,
    200,
  );
  return { child, port, baseUrl, output: () => output };
}

/** SIGTERM (the app's graceful shutdown), SIGKILL after 10 s. */
export function stopAppProcess(instance: AppProcess | undefined): Promise<void> {
  // A process that has exited (or was killed: exitCode stays null then) has nothing left to stop.
  if (!instance || instance.child.exitCode !== null || instance.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    instance.child.once('exit', () => {
      resolve();
    });
    instance.child.kill('SIGTERM');
    setTimeout(() => instance.child.kill('SIGKILL'), 10_000).unref();
  });
}
