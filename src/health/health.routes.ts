import { Router } from 'express';

export interface Readiness {
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
    const ready = !readiness.isShuttingDown() && (await readiness.isReady());
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable' });
  });
  return router;
}
