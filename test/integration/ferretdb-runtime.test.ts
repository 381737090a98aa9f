import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goRuntime, startFerretDb } from '../../src/embedded-db/ferretdb';

/**
 * The embedded FerretDB runs with the Go runtime's settings that made bulk reads faster (issue #30): the garbage
 * collector at 4x the live heap, under a soft limit of 1 GiB; settings in the environment win.
 */
describe("the embedded FerretDB's Go runtime", () => {
  it('when nothing is set, then FerretDB collects at GOGC=400 under GOMEMLIMIT=1GiB; set values are kept', () => {
    expect(goRuntime({})).toEqual({ GOGC: '400', GOMEMLIMIT: '1GiB' });
    expect(goRuntime({ GOGC: '100', GOMEMLIMIT: '512MiB' })).toEqual({ GOGC: '100', GOMEMLIMIT: '512MiB' });
  });

  it('when FerretDB is started, then its process has those settings', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hailong-gogc-'));
    const db = await startFerretDb({ dataDir });
    try {
      const environ = fs.readFileSync(`/proc/${db.pid}/environ`, 'utf8').split('\0');
      expect(environ).toEqual(expect.arrayContaining([`GOGC=${process.env.GOGC ?? '400'}`, `GOMEMLIMIT=${process.env.GOMEMLIMIT ?? '1GiB'}`]));
    } finally {
      await db.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
