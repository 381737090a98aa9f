import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * The embedded database: FerretDB v1 with its SQLite backend, a real MongoDB wire-protocol server.
 * The binary is built by scripts/install-ferretdb.cjs into <project>/.tools/bin; this module only runs it.
 */
export const PROJECT_ROOT = findProjectRoot(__dirname);
export const FERRETDB_BINARY = path.join(PROJECT_ROOT, '.tools', 'bin', 'ferretdb');

export interface EmbeddedDatabase {
  uri: string;
  port: number;
  dataDir: string;
  /** The server's process id (the bench reads its CPU time). */
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

export interface StartOptions {
  dataDir: string;
  port?: number;
  databaseName?: string;
  binary?: string;
  /** Where FerretDB's own output goes; by default a log file inside dataDir. */
  logFile?: string;
  /** FerretDB's debug listener (metrics, Go profiles), e.g. 127.0.0.1:8088; off by default. */
  debugAddr?: string;
}

function findProjectRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function canConnect(port: number): Promise<boolean> {
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

async function waitUntilListening(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited with code ${child.exitCode} during start-up`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`FerretDB did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/**
 * The Go runtime's settings for FerretDB, unless the environment sets them (issue #30). A bulk read spent 38% of
 * FerretDB's CPU in its garbage collector (it decodes every document through encoding/json's maps and values):
 * collecting at 4x the live heap instead of 2x read 58,454 answers at 4,044/s instead of 3,404/s (+19%) for a peak
 * of 77 MB instead of 56 MB; the soft limit makes it collect harder long before a query that holds much could
 * grow it past 1 GiB (docs/benchmarks.md, session 14).
 */
export const goRuntime = (env: NodeJS.ProcessEnv): Record<string, string> => ({ GOGC: env.GOGC ?? '400', GOMEMLIMIT: env.GOMEMLIMIT ?? '1GiB' });

export async function startFerretDb(options: StartOptions): Promise<EmbeddedDatabase> {
  const binary = options.binary ?? FERRETDB_BINARY;
  if (!fs.existsSync(binary)) {
    throw new Error(`FerretDB is not installed at ${binary}; run "node scripts/install-ferretdb.cjs" (needs Go), or set MONGODB_URI`);
  }
  const dataDir = path.resolve(options.dataDir);
  const sqliteDir = path.join(dataDir, 'sqlite');
  fs.mkdirSync(sqliteDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const log = fs.openSync(options.logFile ?? path.join(dataDir, 'ferretdb.log'), 'a');
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${sqliteDir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      `--debug-addr=${options.debugAddr ?? '-'}`,
      '--telemetry=disable',
      `--state-dir=${dataDir}`,
      '--log-level=warn',
    ],
    { stdio: ['ignore', log, log], env: { ...process.env, ...goRuntime(process.env) } },
  );
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  try {
    await waitUntilListening(port, child, 20000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    uri: `mongodb://127.0.0.1:${port}/${options.databaseName ?? 'hailong'}`,
    port,
    dataDir,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
