#!/usr/bin/env node
/**
 * The production runtime for the tests: Node.js 24 LTS. Prints the path of a node 24 binary: the machine's own
 * when it is 24 or newer, else the npm registry's build (the `node-<platform>-<arch>` package, the one registry
 * the machines reach), unpacked once into .tools/node-v<version>/. `npm test` runs the whole suite on the
 * machine's node and again on this one (run-tests.cjs).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const VERSION = '24.22.3';
const ROOT = path.resolve(__dirname, '..');
const DIR = path.join(ROOT, '.tools', `node-v${VERSION}`);
const BINARY = path.join(DIR, 'bin', 'node');

function node24() {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  if (fs.existsSync(BINARY)) return BINARY;
  const pkg = `node-${process.platform}-${process.arch}@${VERSION}`;
  console.error(`[node24] installing Node.js ${VERSION} from the npm registry (${pkg})...`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hl-node24-'));
  try {
    const packed = spawnSync('npm', ['pack', pkg, '--silent'], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const tarball = packed.stdout.trim().split('\n').pop();
    if (packed.status !== 0 || !tarball) throw new Error(`npm pack ${pkg} failed (exit ${packed.status})`);
    const unpacked = spawnSync('tar', ['xzf', tarball], { cwd: work, stdio: 'inherit' });
    if (unpacked.status !== 0) throw new Error(`unpacking ${tarball} failed`);
    fs.mkdirSync(path.dirname(DIR), { recursive: true });
    fs.rmSync(DIR, { recursive: true, force: true });
    // Renamed into place last: a cut-off install leaves no half binary behind.
    fs.renameSync(path.join(work, 'package'), DIR);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const version = spawnSync(BINARY, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (version !== `v${VERSION}`) throw new Error(`the installed node says ${version || 'nothing'}, not v${VERSION}`);
  return BINARY;
}

module.exports = { node24, NODE24_VERSION: VERSION };

if (require.main === module) {
  try {
    console.log(node24());
  } catch (error) {
    console.error(`[node24] ${error.message}`);
    process.exit(1);
  }
}
