// Memory given back after renders that hit SSRMemoryLimit: starts httpd
// (SSR_MPM, default event: one child, 4 threads) with the "bounds" test
// fixture, sends N requests (default 200, 4 at a time) to its /hog route,
// which allocates until the limit stops it, and prints the child's RSS
// before, right after, and 2 s after.  Bounded: N requests, each stopped by
// SSRMemoryLimit or SSRTimeout.
//
//   node bench/rss-hog.mjs [N] [SSRMemoryLimit]
// Needs a built tree (MOD_SSR_SO, like the integration tests).
import fs from 'node:fs';
import { startHttpd, prepareApp, ssrConf, get, sleep } from '../tests/integration/lib/httpd.mjs';

const N = Number(process.argv[2] || 200);
const LIMIT = process.argv[3] || '128M';
const CONCURRENCY = 4;

function rssKb(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

const app = prepareApp({ client: 'bounds/client', bundle: 'bounds/server/entry-server.js' });
const h = await startHttpd({
  docroot: app.docroot,
  conf: ssrConf(app, { extra: `SSRMemoryLimit ${LIMIT}\nSSRTimeout 5s` }),
  limits: 'default',
  logLevel: 'LogLevel warn',
});
try {
  const [pid] = await h.waitForChildren();
  for (let i = 0; i < CONCURRENCY; i++) await get(h, '/counter');
  const before = rssKb(pid);
  let sent = 0;
  let peak = before;
  const statuses = {};
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (sent < N) {
      sent++;
      const res = await get(h, '/hog', { timeout: 60_000 });
      statuses[res.status] = (statuses[res.status] || 0) + 1;
      peak = Math.max(peak, rssKb(pid));
    }
  }));
  const after = rssKb(pid);
  await sleep(2000);
  const idle = rssKb(pid);
  const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
  console.log(`${N} x /hog (SSRMemoryLimit ${LIMIT}, ${CONCURRENCY} at a time) in ${Date.now() - t0} ms, statuses ${JSON.stringify(statuses)}`);
  console.log(`child RSS: before ${mb(before)}, peak seen ${mb(peak)}, after ${mb(after)}, 2 s later ${mb(idle)}`);
} finally {
  await h.stop();
}
