import { readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

interface DroverPackage {
  root: string;
  version: string;
}

let found: DroverPackage | undefined;

/**
 * Drover's own package: the nearest directory above this module whose package.json is named
 * "drover". Found by walking up rather than by a fixed `../..`, so it is the same answer from the
 * TypeScript sources, from tsc's dist/ tree and from the bundled CLI (whose chunks live at another
 * depth), in a checkout or in an installed package.
 */
export function droverPackage(): DroverPackage {
  if (found) return found;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = readPackage(join(dir, 'package.json'));
    if (pkg?.name === 'drover') {
      found = { root: dir, version: String(pkg.version) };
      return found;
    }
    if (dirname(dir) === dir) throw new Error(`Drover's package.json was not found above ${start}`);
  }
}

/** Where Drover is installed (the directory holding its package.json and dist/). */
export function installRoot(): string {
  return droverPackage().root;
}

/**
 * The built CLI entry (`<root>/dist/cli/main.js`) when this code runs from a build, for commands
 * that start Drover again (Claude's Stop hook); undefined when running from the sources.
 */
export function builtCliPath(): string | undefined {
  const root = installRoot();
  const self = fileURLToPath(import.meta.url);
  return self.startsWith(join(root, 'dist') + sep) ? join(root, 'dist', 'cli', 'main.js') : undefined;
}

function readPackage(path: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
