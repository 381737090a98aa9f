import { spawnSync } from 'node:child_process';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script of the test runner, without types
const runtime = require('../../scripts/node24.cjs') as { node24: () => string; NODE24_VERSION: string };
const { node24, NODE24_VERSION } = runtime;

describe('the runtimes the tests run on', () => {
  it('when npm test runs the suite on the production runtime, then it really is that runtime', () => {
    // Set by scripts/run-tests.cjs for its Node.js 24 run; a plain jest run has nothing to check.
    const expected = process.env.TEST_EXPECTED_NODE_MAJOR;
    if (expected) expect(process.versions.node.split('.')[0]).toBe(expected);
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(20);
  });

  it("when the production runtime is asked for, then it is a Node.js 24 binary (the machine's own when it is 24 or newer)", () => {
    const binary = node24();
    const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(version).toMatch(/^v2[4-9]\.|^v[3-9]\d\./);
    if (Number(process.versions.node.split('.')[0]) < 24) expect(version).toBe(`v${NODE24_VERSION}`);
    else expect(binary).toBe(process.execPath);
  }, 180_000); // the first call installs it from the npm registry (some 30 MB)
});
