import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * The data dir (embedded store, artifacts, repo cache) when neither --data-dir nor DROVER_DATA_DIR
 * says: `./.drover` where one already exists (a checkout that has been using it), else the user's data
 * directory — `$XDG_DATA_HOME/drover`, or `~/.local/share/drover` — so `run`, `serve` and `worker`
 * started from different directories share one store.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const local = resolve(cwd, '.drover');
  if (isDirectory(local)) return local;
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'drover');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
