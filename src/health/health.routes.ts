import { Router } from 'express';

export interface Readiness {
  /**
   * True once start-up has prepared the database (indexes, question bank, crash repair, demo seed, first
   * administrator). Before that the app answers, but a sign-in or a submission may not work yet.
   */
  isPrepared(): boolean;
  /** True when the database answers a ping. */
  isReady(): Promise<boolean>;
  /** True once SIGTERM arrived: load balancers should stop sending new requests. */
  isShuttingDown(): boolean;
}

export function healthRoutes(readiness: Readiness): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const ready = readiness.isPrepared() && !readiness.isShuttingDown() && (await readiness.isReady());
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable' });
  });
  return router;
}
