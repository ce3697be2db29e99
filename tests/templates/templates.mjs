// create-vite-extra's SSR templates (the version pinned in package.json), as
// a user gets them, plus the one change the plugin's documentation asks for.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TEMPLATES_DIR = path.join(HERE, 'node_modules', 'create-vite-extra');

// Every template-ssr-* directory of the pinned create-vite-extra.  A template
// in SKIP is listed (so the harness fails if the package no longer has it)
// but not run, for the reason given: remove its entry to run it.
export const SKIP = {
  'ssr-transform': 'not an app: an example of Vite\'s SSR transform, with no server.js or build',
};

export const EXPECTED = [
  'ssr-preact', 'ssr-preact-ts', 'ssr-react', 'ssr-react-ts',
  'ssr-react-streaming', 'ssr-react-streaming-ts', 'ssr-solid', 'ssr-solid-ts',
  'ssr-svelte', 'ssr-svelte-ts', 'ssr-transform', 'ssr-vanilla', 'ssr-vanilla-ts',
  'ssr-vue', 'ssr-vue-ts', 'ssr-vue-streaming', 'ssr-vue-streaming-ts',
];

/** The template names the pinned package has (template-ssr-<name>). */
export function availableTemplates() {
  return fs.readdirSync(TEMPLATES_DIR)
    .filter((n) => n.startsWith('template-ssr-'))
    .map((n) => n.slice('template-'.length))
    .sort();
}

/**
 * The documented change, and the only one: import the plugin and add
 * `modSsr()` to `plugins` (after the framework's plugin).  A config without
 * `plugins` (the vanilla templates) gets the key.
 */
export function addPlugin(text) {
  const importLine = "import modSsr from 'vite-plugin-mod-ssr'\n";
  const imports = [...text.matchAll(/^import .*\n/gm)];
  if (imports.length === 0) throw new Error('no import in the Vite config');
  const last = imports[imports.length - 1];
  const at = last.index + last[0].length;
  let out = text.slice(0, at) + importLine + text.slice(at);

  const key = /^(\s*)plugins: \[/m.exec(out);
  if (!key) {
    const def = /defineConfig\(\(\{ isSsrBuild \}\) => \(\{\n/.exec(out);
    if (!def) throw new Error('no defineConfig(({ isSsrBuild }) => ({ in the Vite config');
    const pos = def.index + def[0].length;
    return out.slice(0, pos) + '  plugins: [modSsr()],\n' + out.slice(pos);
  }
  // the matching ] of plugins: [
  let depth = 0;
  for (let i = key.index + key[0].length - 1; i < out.length; i++) {
    const c = out[i];
    if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') {
      depth--;
      if (depth === 0) {
        // `[react()]` -> `[react(), modSsr()]`; a multi-line list ending in
        // `,\n  ]` -> one more line
        const before = out.slice(0, i);
        const multi = /,\s*$/.exec(before);
        if (multi) {
          return before.slice(0, multi.index) + `,\n${key[1]}  modSsr(),` +
            before.slice(multi.index + 1) + out.slice(i);
        }
        return before + ', modSsr()' + out.slice(i);
      }
    }
  }
  throw new Error('plugins: [ is not closed in the Vite config');
}

/**
 * Copies template `name` to `dest` as `npm create vite-extra` would
 * (_gitignore becomes .gitignore) and adds the plugin to its Vite config.
 * Returns the config's path.
 */
export function materialise(name, dest) {
  const src = path.join(TEMPLATES_DIR, `template-${name}`);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.cpSync(src, dest, { recursive: true });
  if (fs.existsSync(path.join(dest, '_gitignore'))) {
    fs.renameSync(path.join(dest, '_gitignore'), path.join(dest, '.gitignore'));
  }
  const config = ['vite.config.js', 'vite.config.ts'].map((f) => path.join(dest, f))
    .find((f) => fs.existsSync(f));
  if (!config) throw new Error(`template-${name} has no vite.config.{js,ts}`);
  fs.writeFileSync(config, addPlugin(fs.readFileSync(config, 'utf8')));
  return config;
}
