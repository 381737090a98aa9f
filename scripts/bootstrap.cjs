#!/usr/bin/env node
/**
 * What `npm start` and `npm test` need before they run, installed only when missing:
 *   node scripts/bootstrap.cjs [--db] [--build] [--browser]
 * --db       the embedded FerretDB binary (skipped when MONGODB_URI is set)
 * --build    compile TypeScript to dist/
 * --browser  Debian's chromium for browser tests (apt-get, as root; never a downloaded browser)
 * npm dependencies are (re)installed with `npm ci` when node_modules is missing or older than package-lock.json.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const args = new Set(process.argv.slice(2));

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`[bootstrap] "${command} ${commandArgs.join(' ')}" failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function ensureNodeModules() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (mtime(marker) >= mtime(path.join(ROOT, 'package-lock.json'))) return;
  console.log('[bootstrap] installing npm dependencies (npm ci)...');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function ensureChromium() {
  if (fs.existsSync('/usr/bin/chromium')) return;
  if (process.getuid && process.getuid() !== 0) {
    console.error('[bootstrap] browser tests need Debian chromium: run `sudo apt-get install -y chromium`');
    process.exit(1);
  }
  console.log('[bootstrap] installing Debian chromium for browser tests (apt-get)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', ['install', '-y', '-q', 'chromium', 'fonts-noto-core'], { env });
}

ensureNodeModules();
if (args.has('--db') && !process.env.MONGODB_URI) run(process.execPath, [path.join(__dirname, 'install-ferretdb.cjs')]);
if (args.has('--browser')) ensureChromium();
if (args.has('--build')) {
  console.log('[bootstrap] compiling TypeScript...');
  run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
}
