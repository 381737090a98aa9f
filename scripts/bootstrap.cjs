#!/usr/bin/env node
/**
 * What `npm start` and `npm test` need before they run, installed only when missing:
 *   node scripts/bootstrap.cjs [--db] [--build] [--browser] [--proxy-stack]
 * --db       the embedded FerretDB binary (skipped when MONGODB_URI is set)
 * --build    compile TypeScript to dist/
 * --browser  Debian's chromium for browser tests (apt-get, as root; never a downloaded browser)
 * --proxy-stack  Debian's nginx and redis-server for the scale-out test (apt-get, as root)
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

/** Installs Debian packages whose binary is missing (as root, with apt-get); `what` says which tests need them. */
function ensureDebianPackages(what, wanted) {
  const missing = wanted.filter(([binary]) => !fs.existsSync(binary));
  if (!missing.length) return;
  const packages = missing.flatMap(([, names]) => names);
  if (process.getuid && process.getuid() !== 0) {
    console.error(`[bootstrap] ${what} need Debian's ${packages.join(', ')}: run \`sudo apt-get install -y ${packages.join(' ')}\``);
    process.exit(1);
  }
  console.log(`[bootstrap] installing Debian ${packages.join(', ')} for ${what} (apt-get)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { env });
}

ensureNodeModules();
if (args.has('--db') && !process.env.MONGODB_URI) run(process.execPath, [path.join(__dirname, 'install-ferretdb.cjs')]);
if (args.has('--browser')) ensureDebianPackages('browser tests', [['/usr/bin/chromium', ['chromium', 'fonts-noto-core']]]);
if (args.has('--proxy-stack')) {
  ensureDebianPackages('the scale-out test (two instances behind nginx, limits in Redis)', [
    ['/usr/sbin/nginx', ['nginx-light']],
    ['/usr/bin/redis-server', ['redis-server']],
  ]);
}
if (args.has('--build')) {
  console.log('[bootstrap] compiling TypeScript...');
  run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
}
