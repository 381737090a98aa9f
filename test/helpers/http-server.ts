import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import { answerMalformedRequests } from '../../src/http/client-errors';

/** Serves the app on a loopback port for tests that need real concurrency (supertest opens a server per call). */
export async function listen(app: Express): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = answerMalformedRequests(
      app.listen(0, '127.0.0.1', () => {
        resolve(s);
      }),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Runs `task` for 0..count-1 with at most `concurrency` in flight; returns the results in order. */
export async function inPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
