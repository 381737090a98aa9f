import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Schema } from 'mongoose';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { connectDatabase, type Database } from '../../src/db';
import { startFerretDb, type EmbeddedDatabase } from '../../src/embedded-db/ferretdb';
import { createLogger } from '../../src/logger';
import { waitFor } from '../helpers/wait';

/**
 * This file runs its own FerretDB (not the shared test server) because it kills and restarts it.
 */
describe('when the database goes away and comes back', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-outage-'));
  let server: EmbeddedDatabase;
  let db: Database;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    server = await startFerretDb({ dataDir });
    db = await connectDatabase(server.uri, createLogger('silent'));
    app = createApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), logger: createLogger('silent'), db });
  });

  afterAll(async () => {
    await db.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('then /readyz turns 503 within 2 s, queries fail fast with 503, and it turns 200 again without restarting the app', async () => {
    await request(app).get('/readyz').expect(200);
    const Thing = db.connection.model('Thing', new Schema({ name: String }));
    await Thing.create({ name: 'before' });

    await server.stop();
    const started = Date.now();
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2000);

    const queryStarted = Date.now();
    await expect(Thing.find().lean()).rejects.toThrow();
    expect(Date.now() - queryStarted).toBeLessThan(2600);

    server = await startFerretDb({ dataDir, port: server.port });
    await waitFor(async () => (await request(app).get('/readyz')).status === 200, 15000, 250);
    const names = (await Thing.find().lean()).map((t) => t.name);
    expect(names).toEqual(['before']);
  });
});
