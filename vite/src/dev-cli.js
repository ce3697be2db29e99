#!/usr/bin/env node
/*
 * mod-ssr-dev [--port 5173] [--root .] [--config vite.config.js]
 *             [--out-dir dist] [--proxy PREFIX]... [--client-port N]
 *
 * Runs the dev loop of an app served by mod_ssr (see dev-server.js and
 * docs/dev-mode.md) until interrupted.
 */
import { parseArgs } from 'node:util';
import { startDev } from './dev-server.js';

const usage = 'usage: mod-ssr-dev [--port 5173] [--root DIR] [--config FILE] [--out-dir dist] ' +
  '[--proxy PREFIX]... [--client-port N]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      root: { type: 'string' },
      config: { type: 'string' },
      'out-dir': { type: 'string' },
      proxy: { type: 'string', multiple: true },
      'client-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  console.error(`mod-ssr-dev: ${e.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const num = (v, what) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`mod-ssr-dev: ${what} must be a port number, not ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
};

try {
  const dev = await startDev({
    root: values.root,
    configFile: values.config,
    port: num(values.port, '--port'),
    outDir: values['out-dir'],
    proxy: values.proxy,
    clientPort: num(values['client-port'], '--client-port'),
  });
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    dev.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (e) {
  console.error(`mod-ssr-dev: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
}
