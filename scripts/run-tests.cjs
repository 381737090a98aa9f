#!/usr/bin/env node
/**
 * `npm test`: type-checks, runs jest in band (2-core machines), then prints the closing line CI reads:
 * "N passed, N failed". A suite that fails before running any test (a syntax error, a failing beforeAll)
 * counts as one failure, so a broken file can never look green. Extra arguments go to jest.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(ROOT, '.jest-results.json');
const bin = (pkg, file) => path.join(ROOT, 'node_modules', pkg, 'bin', file);

const typecheck = spawnSync(process.execPath, [bin('typescript', 'tsc'), '--noEmit', '-p', 'tsconfig.json'], {
  cwd: ROOT,
  stdio: 'inherit',
});
const typecheckFailed = typecheck.status !== 0;
if (typecheckFailed) console.error('[test] type check failed (counted as one failure)');

fs.rmSync(RESULTS, { force: true });
const jest = spawnSync(
  process.execPath,
  [bin('jest', 'jest.js'), '--runInBand', '--json', `--outputFile=${RESULTS}`, ...process.argv.slice(2)],
  { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);

let passed = 0;
let failed = typecheckFailed ? 1 : 0;
try {
  const results = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  for (const suite of results.testResults) {
    const ran = suite.assertionResults.some((a) => a.status === 'passed' || a.status === 'failed');
    if (suite.status === 'failed' && !ran) failed += 1;
  }
  if (results.numTotalTests === 0 && !results.testResults.length) failed += 1;
} catch {
  console.error('[test] jest produced no results');
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || jest.status !== 0 ? 1 : 0);
