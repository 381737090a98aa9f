#!/usr/bin/env node
/**
 * `npm test`: type-checks, lints, checks formatting, runs jest in band (2-core machines), then prints the closing line CI reads:
 * "N passed, N failed". A suite that fails before running any test (a syntax error, a failing beforeAll) counts as
 * one failure, so a broken file can never look green. Extra arguments go to jest.
 * The suite runs on the machine's Node.js, then again on Node.js 24, the production runtime (scripts/node24.cjs
 * installs it from the npm registry when the machine's is older), and the closing line sums both runs (issue 14).
 * TEST_RUNTIMES=machine runs the first only, for a quicker loop while working.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { node24 } = require('./node24.cjs');

const ROOT = path.resolve(__dirname, '..');
const bin = (pkg, file) => path.join(ROOT, 'node_modules', pkg, 'bin', file);

const typecheck = spawnSync(process.execPath, [bin('typescript', 'tsc'), '--noEmit', '-p', 'tsconfig.json'], {
  cwd: ROOT,
  stdio: 'inherit',
});
const typecheckFailed = typecheck.status !== 0;
if (typecheckFailed) console.error('[test] type check failed (counted as one failure)');

// Lint (eslint.config.mjs: typescript-eslint's strict type-checked rules) and formatting (Prettier): each is one
// failure when it finds anything, so a lint error fails CI like a failing test. Skipped when jest is given files
// to run (a quick loop on a few tests).
const focused = process.argv.slice(2).some((arg) => !arg.startsWith('-'));
const lint = focused ? { status: 0 } : spawnSync(process.execPath, [bin('eslint', 'eslint.js'), 'src', 'scripts', 'test'], { cwd: ROOT, stdio: 'inherit' });
const lintFailed = lint.status !== 0;
if (lintFailed) console.error('[test] lint failed (counted as one failure): npx eslint src scripts test');
const format = focused
  ? { status: 0 }
  : spawnSync(process.execPath, [bin('prettier', 'prettier.cjs'), '--check', '--log-level', 'warn', 'src/**/*.ts', 'scripts/**/*.ts', 'test/**/*.ts'], { cwd: ROOT, stdio: 'inherit' });
const formatFailed = format.status !== 0;
if (formatFailed) console.error('[test] formatting differs (counted as one failure): npx prettier --write "src/**/*.ts" "scripts/**/*.ts" "test/**/*.ts"');

/** One jest run on `node`; its passed and failed tests. */
function runJest(node, label, resultsFile, expectedMajor) {
  fs.rmSync(resultsFile, { force: true });
  if (runs.length > 1) console.log(`[test] jest on ${label}`);
  const jest = spawnSync(node, [bin('jest', 'jest.js'), '--runInBand', '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)], {
    cwd: ROOT,
    stdio: 'inherit',
    // test/unit/runtime.test.ts checks that the run really is on the runtime it is labelled with.
    env: { ...process.env, NODE_ENV: 'test', ...(expectedMajor ? { TEST_EXPECTED_NODE_MAJOR: String(expectedMajor) } : {}) },
  });
  let passed = 0;
  let failed = 0;
  try {
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    passed += results.numPassedTests;
    failed += results.numFailedTests;
    for (const suite of results.testResults) {
      const ran = suite.assertionResults.some((a) => a.status === 'passed' || a.status === 'failed');
      if (suite.status === 'failed' && !ran) failed += 1;
    }
    if (results.numTotalTests === 0 && !results.testResults.length) failed += 1;
  } catch {
    console.error(`[test] jest on ${label} produced no results`);
    failed += 1;
  }
  if (runs.length > 1) console.log(`[test] ${label}: ${passed} passed, ${failed} failed`);
  return { passed, failed, exitedClean: jest.status === 0 };
}

const runtimes = process.env.TEST_RUNTIMES || 'both';
if (runtimes !== 'both' && runtimes !== 'machine') {
  console.error(`[test] TEST_RUNTIMES must be "both" (the default) or "machine", not "${runtimes}"`);
  process.exit(1);
}
const runs = [{ node: process.execPath, label: `Node.js ${process.version} (this machine's)`, results: '.jest-results.json' }];
if (runtimes === 'both') {
  let production;
  try {
    production = node24();
  } catch (error) {
    console.error(`[test] Node.js 24 could not be installed: ${error.message}`);
  }
  if (!production) runs.push({ node: undefined, label: 'Node.js 24', results: '' });
  else if (production !== process.execPath) runs.push({ node: production, label: 'Node.js 24 (production)', results: '.jest-results-node24.json', major: 24 });
}

let passed = 0;
let failed = (typecheckFailed ? 1 : 0) + (lintFailed ? 1 : 0) + (formatFailed ? 1 : 0);
let exitedClean = true;
for (const run of runs) {
  // A runtime that could not be installed is one failure: the tests did not run where production runs.
  const result = run.node ? runJest(run.node, run.label, path.join(ROOT, run.results), run.major) : { passed: 0, failed: 1, exitedClean: false };
  passed += result.passed;
  failed += result.failed;
  exitedClean &&= result.exitedClean;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || !exitedClean ? 1 : 0);
