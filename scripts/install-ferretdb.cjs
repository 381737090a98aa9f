#!/usr/bin/env node
/**
 * Builds FerretDB v1.24.2 with `go install` into <project>/.tools/bin (git-ignored) unless it is already there.
 * Plain JavaScript because it runs before `npm ci` and the TypeScript build. The first build takes a few minutes.
 *
 * Why not a plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`: the module as published lacks
 * build/version/version.txt (its release tooling generates it), and such a binary panics at start with
 * "Invalid build/version/version.txt file content". So we fetch the same module from the Go module proxy
 * (`go mod download`), copy it to .tools/src, write version.txt, and `go install ./cmd/ferretdb` from there.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const VERSION = 'v1.24.2';
const MODULE = `github.com/FerretDB/FerretDB@${VERSION}`;
const ROOT = path.resolve(__dirname, '..');
const BIN_DIR = path.join(ROOT, '.tools', 'bin');
const BINARY = path.join(BIN_DIR, 'ferretdb');
const SRC_DIR = path.join(ROOT, '.tools', 'src', `ferretdb-${VERSION}`);

function installedVersionOk() {
  if (!fs.existsSync(BINARY)) return false;
  const out = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  return out.status === 0 && out.stdout.includes(VERSION);
}

function goAvailable() {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
}

/** Copies the module source out of the (read-only) module cache and adds the version file its build expects. */
function prepareSource() {
  if (fs.existsSync(path.join(SRC_DIR, 'build', 'version', 'version.txt'))) return;
  console.log(`[ferretdb] downloading ${MODULE} from the Go module proxy...`);
  const download = spawnSync('go', ['mod', 'download', '-json', MODULE], { encoding: 'utf8', cwd: ROOT });
  if (download.status !== 0) throw new Error(`go mod download ${MODULE} failed: ${download.stderr || download.stdout}`);
  const { Dir } = JSON.parse(download.stdout);
  fs.rmSync(SRC_DIR, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(SRC_DIR), { recursive: true });
  fs.cpSync(Dir, SRC_DIR, { recursive: true });
  makeWritable(SRC_DIR);
  fs.writeFileSync(path.join(SRC_DIR, 'build', 'version', 'version.txt'), `${VERSION}\n`);
}

function makeWritable(dir) {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(full);
    else fs.chmodSync(full, 0o644);
  }
}

function install() {
  return new Promise((resolve, reject) => {
    console.log(`[ferretdb] building FerretDB ${VERSION} with go install (first time: a few minutes)...`);
    const started = Date.now();
    fs.mkdirSync(BIN_DIR, { recursive: true });
    prepareSource();
    // -v prints each package as it is compiled; we turn that into a progress line.
    const child = spawn('go', ['install', '-v', './cmd/ferretdb'], {
      cwd: SRC_DIR,
      env: { ...process.env, GOBIN: BIN_DIR, GOFLAGS: '-buildvcs=false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let packages = 0;
    let lastPrint = 0;
    const onLine = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        if (!line.startsWith('go: downloading')) packages += 1;
        if (Date.now() - lastPrint > 5000) {
          lastPrint = Date.now();
          const secs = Math.round((Date.now() - started) / 1000);
          console.log(`[ferretdb] ${secs}s: ${packages} packages compiled (latest: ${line.replace(/^go: /, '').slice(0, 70)})`);
        }
      }
    };
    child.stdout.on('data', onLine);
    child.stderr.on('data', onLine);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && installedVersionOk()) {
        console.log(`[ferretdb] installed ${BINARY} in ${Math.round((Date.now() - started) / 1000)}s`);
        resolve();
      } else reject(new Error(`go install ./cmd/ferretdb (${MODULE}) failed with exit code ${code}`));
    });
  });
}

async function main() {
  if (installedVersionOk()) return;
  if (!goAvailable()) {
    console.error(
      '[ferretdb] Go is not installed, so the embedded database (FerretDB) cannot be built.\n' +
        '  Either install Go (https://go.dev/dl/, 1.21 or newer) and run this again,\n' +
        '  or run the product with MongoDB: `docker compose up`, or set MONGODB_URI=mongodb://HOST:PORT/hailong.',
    );
    process.exit(1);
  }
  try {
    await install();
  } catch (error) {
    console.error(`[ferretdb] ${error.message}`);
    process.exit(1);
  }
}

if (require.main === module) main();
module.exports = { BINARY, VERSION, installedVersionOk };
