/**
 * The baseline of B1 and B6: bare express answering any GET with the bytes of a rendered page held in memory (the
 * form page for B1, the public results for B6).
 * Run as a child process: `node dist/scripts/bench/bare-server.js <page file> <port>`.
 */
import fs from 'node:fs';
import express, { type Express } from 'express';

export function bareApp(page: Buffer): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get(/.*/, (_req, res) => {
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
