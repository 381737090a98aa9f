const path = require('path'); const fs = require('fs'); const crypto = require('crypto');
const { startFerretDb } = require('./dist/src/embedded-db/ferretdb');
const { connectDatabase } = require('./dist/src/db');
const { createLogger } = require('./dist/src/logger');
const { createModels } = require('./dist/src/models');
const { hashPassword } = require('./dist/src/admin/passwords');
const { startAppProcess } = require('./dist/scripts/bench/servers');
const { signIn, PROXY_HTTPS } = require('./dist/scripts/bench/http');
const rss = (pid) => { const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8'); return `rss ${Math.round(/VmRSS:\s+(\d+)/.exec(s)[1] / 1024)} hwm ${Math.round(/VmHWM:\s+(\d+)/.exec(s)[1] / 1024)}`; };
(async () => {
  const dir = process.argv[2];
  const ferret = await startFerretDb({ dataDir: path.join(dir, 'ferretdb') });
  const db = await connectDatabase(ferret.uri, createLogger('silent'));
  const models = createModels(db.connection);
  const password = crypto.randomBytes(12).toString('hex');
  await models.User.updateOne({ email: 'bench-admin@hailong.local' }, { $set: { passwordHash: await hashPassword(password) } });
  const app = await startAppProcess({ uri: ferret.uri, logLevel: 'warn', logFile: path.join(dir, 'app-probe.log'), nodeArgs: (process.argv[3] || '').split(' ').filter(Boolean) });
  console.log('started', rss(app.pid));
  const cookie = await signIn(app.baseUrl, 'bench-admin@hailong.local', password);
  console.log('signed in', rss(app.pid));
  for (const page of ['/admin/comments?kind=education&unit=SGD', '/admin/review?kind=education&unit=SGD', '/admin?kind=education&unit=SGD']) {
    for (let i = 0; i < 20; i++) { const r = await fetch(app.baseUrl + page, { headers: { ...PROXY_HTTPS, cookie } }); await r.arrayBuffer(); if (i === 0) console.log(page, r.status, 'first', rss(app.pid)); }
    console.log(page, 'after 20', rss(app.pid));
  }
  await app.stop(); await db.close(); await ferret.stop();
})();
