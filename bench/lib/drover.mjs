// Running the built CLI the way a user does, timed, with its peak RSS from /usr/bin/time.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitEnv, run } from './proc.mjs';

/** This checkout (bench scripts, results). */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** The build under test: this checkout, or another one (BENCH_DROVER_ROOT) for before/after runs. */
export const ROOT = process.env.BENCH_DROVER_ROOT || REPO;
export const DROVER = join(ROOT, 'dist/cli/main.js');
const TIME = '/usr/bin/time';

export function droverEnv(extra = {}) {
  return gitEnv({ DROVER_LOG_LEVEL: 'warn', NO_COLOR: '1', ...extra });
}

/** `drover <args>`; resolves { ms, rssKb, stdout, stderr, code }. */
export async function drover(args, { env, rssFile, allowFailure = false, timeoutMs, ignoreStderr } = {}) {
  const useTime = rssFile && existsSync(TIME);
  const cmd = useTime ? TIME : process.execPath;
  const argv = useTime ? ['-f', '%M', '-o', rssFile, process.execPath, DROVER, ...args] : [DROVER, ...args];
  const res = await run(cmd, argv, { env: env ?? droverEnv(), allowFailure, timeoutMs, ignoreStderr });
  let rssKb;
  if (useTime) {
    rssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
    rmSync(rssFile, { force: true });
  }
  return { ...res, rssKb };
}

/** Imports a module of the build (dist/...). */
export function dist(path) {
  return import(join(ROOT, 'dist', path));
}
