#!/usr/bin/env node
/**
 * Builds FerretDB v1.24.2, with our patch applied, with `go install` into <project>/.tools/bin (git-ignored) unless
 * that exact build is already there. Plain JavaScript because it runs before `npm ci` and the TypeScript build.
 * The first build takes a few minutes.
 *
 * Why not a plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`:
 * - the module as published lacks build/version/version.txt (its release tooling generates it), and such a binary
 *   panics at start with "Invalid build/version/version.txt file content";
 * - v1 is frozen upstream and two of its faults break us: `_id` lookups that skip their index, and updates that
 *   are not atomic. scripts/ferretdb/<BUILD_VERSION>.patch fixes both (docs/ferretdb-patch.md explains each hunk).
 * So we fetch the module from the Go module proxy (`go mod download`), copy it to .tools/src, apply the patch,
 * write version.txt with our build version (v1.24.2-hl.N), and `go install ./cmd/ferretdb` from there.
 * A binary of any other version (an unpatched one from an older checkout) is rebuilt.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const UPSTREAM_VERSION = 'v1.24.2';
/** Bump the suffix whenever the patch changes, so that every machine rebuilds. */
const VERSION = `${UPSTREAM_VERSION}-hl.5`;
const MODULE = `github.com/FerretDB/FerretDB@${UPSTREAM_VERSION}`;
const ROOT = path.resolve(__dirname, '..');
const BIN_DIR = path.join(ROOT, '.tools', 'bin');
const BINARY = path.join(BIN_DIR, 'ferretdb');
const SRC_DIR = path.join(ROOT, '.tools', 'src', `ferretdb-${VERSION}`);
const PATCH = path.join(__dirname, 'ferretdb', `${VERSION}.patch`);

function installedVersionOk() {
  if (!fs.existsSync(BINARY)) return false;
  const out = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  return out.status === 0 && new RegExp(`version: ${VERSION.replace(/\./g, '\\.')}\\s`).test(out.stdout);
}

function goAvailable() {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
}

/** Copies the module source out of the (read-only) module cache, applies our patch and writes the version file. */
function prepareSource() {
  const versionFile = path.join(SRC_DIR, 'build', 'version', 'version.txt');
  if (fs.existsSync(versionFile) && fs.readFileSync(versionFile, 'utf8').trim() === VERSION) return;
  console.log(`[ferretdb] downloading ${MODULE} from the Go module proxy...`);
  const download = spawnSync('go', ['mod', 'download', '-json', MODULE], { encoding: 'utf8', cwd: ROOT });
  if (download.status !== 0) throw new Error(`go mod download ${MODULE} failed: ${download.stderr || download.stdout}`);
  const { Dir } = JSON.parse(download.stdout);
  fs.rmSync(SRC_DIR, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(SRC_DIR), { recursive: true });
  fs.cpSync(Dir, SRC_DIR, { recursive: true });
  makeWritable(SRC_DIR);
  console.log(`[ferretdb] applying ${path.relative(ROOT, PATCH)}`);
  // The copy lives inside our checkout: the ceiling keeps git from treating it as part of our repository.
  const apply = spawnSync('git', ['apply', '-p1', PATCH], {
    cwd: SRC_DIR,
    encoding: 'utf8',
    env: { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(SRC_DIR) },
  });
  if (apply.status !== 0) throw new Error(`git apply ${PATCH} failed: ${apply.stderr || apply.stdout}`);
  // Written last: its presence marks a complete, patched copy.
  fs.writeFileSync(versionFile, `${VERSION}\n`);
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
