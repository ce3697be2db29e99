/*
 * The standard SSR template's `npm run build` is two builds:
 *   build:client   vite build --outDir dist/client
 *   build:server   vite build --ssr src/entry-server.jsx --outDir dist/server
 * With the plugin, the first already builds both (client, then the server
 * bundle in mod_ssr's format).  So that the second is not the same server
 * build again, the first leaves a record beside the bundle: the build id,
 * the entry, the mode, and the size and mtime of every file that went into
 * the bundle (and of the Vite config).  A server-only build whose entry and
 * mode are the recorded ones, whose output is the recorded build (the ids in
 * the bundle and the template agree with the record) and whose files are all
 * unchanged has nothing to do: it is skipped.  Anything else builds as usual.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The record's name, beside the bundle. */
export const APP_BUILD_RECORD = '.mod_ssr-app-build.json';
const RECORD_VERSION = 1;

function fileState(file) {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? [st.size, st.mtimeMs] : null;
  } catch {
    return null;
  }
}

/**
 * Writes the record of an app build's server bundle.
 * @param {string} dir the server outDir
 * @param {{ id: string, entry: string|null, mode: string, configFile?: string|null,
 *           moduleIds: Iterable<string> }} build
 */
export function writeAppBuildRecord(dir, { id, entry, mode, configFile, moduleIds }) {
  const files = {};
  for (const moduleId of [...moduleIds, ...(configFile ? [configFile] : [])]) {
    const file = moduleId.replace(/[?#].*$/, '');
    if (file.startsWith('\0') || !path.isAbsolute(file) || files[file]) continue;
    const state = fileState(file);
    if (state) files[file] = state;
  }
  const record = { version: RECORD_VERSION, id, entry, mode, files };
  fs.writeFileSync(path.join(dir, APP_BUILD_RECORD), JSON.stringify(record) + '\n');
}

/** Removes the record (a server build that is not an app build's). */
export function removeAppBuildRecord(dir) {
  try {
    fs.unlinkSync(path.join(dir, APP_BUILD_RECORD));
  } catch {
    /* none */
  }
}

/**
 * Whether a server-only build of `entry` into `dir` would rebuild what an
 * app build has just written.  Returns null when it can be skipped, else
 * why not (for the debug log).
 * @param {{ dir: string, entry: string, mode: string, bundleId: string|null,
 *           templateId: string|null }} want
 */
export function appBuildReusable({ dir, entry, mode, bundleId, templateId }) {
  let record;
  try {
    record = JSON.parse(fs.readFileSync(path.join(dir, APP_BUILD_RECORD), 'utf8'));
  } catch {
    return 'no app build record';
  }
  if (!record || record.version !== RECORD_VERSION) return 'record of another version';
  if (record.entry !== entry) return `the app build's entry was ${record.entry}`;
  if (record.mode !== mode) return `the app build's mode was ${record.mode}`;
  if (!bundleId || bundleId !== record.id) return 'the bundle is not the recorded build';
  if (!templateId || templateId !== record.id) return 'the client build is not the recorded build';
  for (const [file, [size, mtimeMs]] of Object.entries(record.files || {})) {
    const now = fileState(file);
    if (!now || now[0] !== size || now[1] !== mtimeMs) return `${file} changed`;
  }
  return null;
}
