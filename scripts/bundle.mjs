// Bundles the CLI after tsc: dist/cli/main.js becomes an esbuild bundle whose commands and lazily
// loaded parts are chunks in dist/cli/chunks/, so a command loads a few dozen files instead of hundreds
// (tsc's module tree stays in dist/ for programs that import Drover's modules).
//
// Bundled: Drover's own code and the small pure-JS packages every command loads at start (zod,
// commander). External (loaded from node_modules at run time, as before): every other dependency —
// native addons (better-sqlite3), packages that locate worker or data files next to themselves (pino
// and its transports, fastify's plugins), and the large ones only some commands use.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const BUNDLED = new Set(['zod', 'commander']);
const external = Object.keys(pkg.dependencies ?? {})
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

/**
 * `import { z } from 'zod'` hands esbuild zod's whole namespace object (~450 kB, parsed at every start);
 * the same namespace imported with `import * as z` lets it keep only what Drover calls. The module is
 * the one zod's own index re-exports as `z`, so behaviour is unchanged.
 */
const zodNamespace = {
  name: 'zod-namespace',
  setup(b) {
    const namespace = join(
      dirname(createRequire(import.meta.url).resolve('zod/package.json')),
      'v4/classic/external.js',
    );
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const contents = text.replace(
        /^import \{ z \} from 'zod';$/m,
        `import * as z from ${JSON.stringify(namespace)};`,
      );
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * commander requires node:child_process at load (only for stand-alone executable subcommands, which
 * Drover has none of); loading it pulls in net, dgram and more. Commands that start processes load it
 * themselves; for commander it is loaded on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'lazy-child-process', namespace: 'drover-lazy' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'drover-lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

const outdir = `${root}dist/cli`;
rmSync(`${outdir}/chunks`, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // Less to parse at every start; names are kept so stack traces and error class names still read.
  // BUNDLE_MINIFY=0 keeps the text as written (with a `// src/...` line before each module: profiling).
  minifyWhitespace: process.env.BUNDLE_MINIFY !== '0',
  minifySyntax: process.env.BUNDLE_MINIFY !== '0',
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [zodNamespace, lazyChildProcess],
  // Bundled CommonJS (commander) calls require() for Node's built-ins; ES modules have none.
  banner: {
    js: "import { createRequire as __droverRequire } from 'node:module'; const require = __droverRequire(import.meta.url);",
  },
});
// BUNDLE_META=<file>: esbuild's metafile (which module went into which chunk), for start-up work.
if (process.env.BUNDLE_META) writeFileSync(process.env.BUNDLE_META, JSON.stringify(result.metafile));
