/**
 * The baseline of B1: bare express answering GET /s/:code with the bytes of a rendered form page held in memory.
 * Run as a child process: `node dist/scripts/bench/bare-server.js <page file> <port>`.
 */
import fs from 'node:fs';
import express, { type Express } from 'express';

export function bareApp(page: Buffer): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/s/:code', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(page);
  });
  return app;
}

if (require.main === module) {
  const [file, port] = process.argv.slice(2);
  const server = bareApp(fs.readFileSync(file!)).listen(Number(port), '127.0.0.1', () => process.send?.('listening'));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
