#!/usr/bin/env node
// Installs a packed Drover build (`npm pack`) into a prefix the way `npm install --global` lays it out
// (<prefix>/lib/node_modules/drover, <prefix>/bin/drover), with the production dependencies taken from
// a project whose node_modules is installed (`npm ci`) and whose package-lock.json says which are
// production ones. The image's build stage runs it, and so does scripts/image-smoke.mjs outside any
// container: one install procedure, exercised in both places, no registry needed.
//
//   node install-drover.mjs --prefix /opt/drover --tarball drover-0.1.0.tgz --deps-from /src
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    prefix: { type: 'string' },
    tarball: { type: 'string' },
    'deps-from': { type: 'string' },
  },
});
for (const name of ['prefix', 'tarball', 'deps-from']) {
  if (!values[name]) {
    process.stderr.write(`install-drover: --${name} is required\n`);
    process.exit(2);
  }
}
const prefix = resolve(values.prefix);
const project = resolve(values['deps-from']);
const pkgDir = join(prefix, 'lib', 'node_modules', 'drover');

rmSync(pkgDir, { recursive: true, force: true });
mkdirSync(pkgDir, { recursive: true });
// npm pack tarballs hold everything under package/.
execFileSync('tar', [
  '-xzf',
  resolve(values.tarball),
  '-C',
  pkgDir,
  '--strip-components=1',
  '--no-same-owner',
]);

const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
if (lock.lockfileVersion < 2 || !lock.packages) {
  process.stderr.write('install-drover: package-lock.json v2+ (with "packages") is required\n');
  process.exit(1);
}
let copied = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  // The root entry is Drover itself; dev-only packages stay out, as with --omit=dev.
  if (!path || entry.dev || entry.link) continue;
  const from = join(project, path);
  if (!existsSync(from)) {
    if (entry.optional) continue; // an optional dependency for another platform
    process.stderr.write(`install-drover: ${path} is missing in ${project} (run npm ci there first)\n`);
    process.exit(1);
  }
  // Nested node_modules are entries of their own (copied when they are production ones).
  const nested = `${from}${sep}node_modules`;
  cpSync(from, join(pkgDir, path), {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => src !== nested && !src.startsWith(`${nested}${sep}`),
  });
  copied++;
}

const main = join(pkgDir, 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`install-drover: ${main} is missing: was the package built before npm pack?\n`);
  process.exit(1);
}
chmodSync(main, 0o755);
mkdirSync(join(prefix, 'bin'), { recursive: true });
rmSync(join(prefix, 'bin', 'drover'), { force: true });
symlinkSync('../lib/node_modules/drover/dist/cli/main.js', join(prefix, 'bin', 'drover'));
copyFileSync(
  join(dirname(fileURLToPath(import.meta.url)), 'healthcheck.mjs'),
  join(prefix, 'healthcheck.mjs'),
);
process.stdout.write(`installed drover into ${prefix} with ${copied} production packages\n`);
