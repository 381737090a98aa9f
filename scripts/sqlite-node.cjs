#!/usr/bin/env node
/**
 * node scripts/sqlite-node.cjs SCRIPT [ARGS...]
 * Runs SCRIPT on a Node.js that has `node:sqlite` with its online backup (22.16 or newer): the machine's own when
 * it has one, else Node.js 24 from the npm registry (node24.cjs). Backup and restore read FerretDB's SQLite files
 * with it (src/backup/).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { node24 } = require('./node24.cjs');

const hasSqliteBackup = (node) =>
  spawnSync(node, ['--no-warnings', '-e', "process.exit(typeof require('node:sqlite').backup === 'function' ? 0 : 1)"], { stdio: 'ignore' }).status === 0;

const runtime = hasSqliteBackup(process.execPath) ? process.execPath : node24();
const run = spawnSync(runtime, ['--disable-warning=ExperimentalWarning', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
