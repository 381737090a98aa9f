import fs from 'node:fs';
import type { EmbeddedDatabase } from '../../src/embedded-db/ferretdb';

export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as { __testDatabase?: EmbeddedDatabase }).__testDatabase;
  if (!db) return;
  await db.stop();
  fs.rmSync(db.dataDir, { recursive: true, force: true });
}
