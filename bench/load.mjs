// A closed-loop HTTP load client for the overload phase: C keep-alive
// connections, each sending its next request as soon as the last one was
// answered, until N requests were sent or T seconds passed.  Unlike ab it
// keeps each answer's status beside its latency, so that the served pages'
// latencies (2xx) are reported apart from the shed ones (503).
//
//   node bench/load.mjs URL -c C -n N -t SECONDS
//
// Prints one line: complete rps served_p50_ms served_p99_ms non2xx failed
// shed_max_ms.  Exits non-zero when a non-2xx answer is not a 503 with a
// Retry-After header, or a connection could not be made at all.
import http from 'node:http';

const args = process.argv.slice(2);
const url = new URL(args[0]);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const conns = opt('-c', 8);
const total = opt('-n', 1000);
const capMs = opt('-t', 20) * 1000;

const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
const served = [];
const shed = [];
let sent = 0;
let failed = 0;
let wrong = null;
const t0 = performance.now();

function once() {
  return new Promise((resolve) => {
    const start = performance.now();
    const req = http.get(url, { agent, headers: { Accept: 'text/html' } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        const ms = performance.now() - start;
        if (res.statusCode >= 200 && res.statusCode < 300) {
          served.push(ms);
        } else if (res.statusCode === 503 && /^\d+$/.test(res.headers['retry-after'] ?? '')) {
          shed.push(ms);
        } else {
          wrong ??= `${res.statusCode} ${JSON.stringify(res.headers)}`;
          shed.push(ms);
        }
        resolve();
      });
    });
    // a keep-alive connection the server closed under the request (the
    // event MPM does when all threads are busy; httpd also closes one after
    // a 503): counted, and sent again on a new connection by the next turn
    req.on('error', () => { failed++; resolve(); });
  });
}

async function worker() {
  while (sent < total && performance.now() - t0 < capMs) {
    sent++;
    await once();
  }
}

function pct(a, p) {
  if (a.length === 0) return 0;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

await Promise.all(Array.from({ length: conns }, worker));
const secs = (performance.now() - t0) / 1000;
const complete = served.length + shed.length;
agent.destroy();
if (served.length === 0 || wrong) {
  console.error(`load: ${served.length} served; unexpected answer: ${wrong ?? 'none'}`);
  process.exit(1);
}
console.log([complete, (complete / secs).toFixed(2), pct(served, 50).toFixed(2),
  pct(served, 99).toFixed(2), shed.length, failed, Math.max(0, ...shed).toFixed(2)].join(' '));
