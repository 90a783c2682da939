import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InvalidInputError } from '../errors.js';
import { parseRepoUrl } from '../git/repoUrl.js';
import type { JobSource } from './JobSource.js';

/** Which local repositories (paths, file:// URLs) jobs may clone on this machine. */
export interface LocalRepoPolicy {
  /** DROVER_ALLOW_LOCAL_REPOS: directories whose repositories any submitter may name. */
  allowed: string[];
  /** Never cloned, whoever asks: Drover's data dir (store, repo cache, artifacts) and work dir. */
  forbidden: string[];
}

export const NO_LOCAL_REPOS: LocalRepoPolicy = { allowed: [], forbidden: [] };

/**
 * Whether the submitter of a job may name a local repository without the allow-list: only someone at
 * this machine's command line. `drover run` runs its own job; `drover submit` on the embedded store
 * queues for workers on the same machine. A `cli` job on Redis may have been submitted from another
 * machine, where the path means something else, so it needs the allow-list like any remote intake.
 * `drover plan kickoff` runs its planner job in its own process too (the API's kickoff does not).
 */
export function localSubmitter(
  source: JobSource | null,
  ctx: { storeKind: 'sqlite' | 'redis'; ownJob?: boolean },
): boolean {
  if (source?.intake === 'cli') return ctx.storeKind === 'sqlite' || ctx.ownJob === true;
  return source?.intake === 'plan' && source.role === 'planner' && ctx.ownJob === true;
}

/**
 * Why `repo` may not be cloned here, or undefined (remote URLs always pass: their access is the
 * remote's to check). Paths are resolved through realpath, so a symlink into the data dir counts as
 * the data dir. Never quotes the allow-list or the forbidden dirs.
 */
export async function localRepoProblem(
  repo: string,
  opts: { trusted: boolean; policy: LocalRepoPolicy; cwd?: string },
): Promise<string | undefined> {
  const parsed = parseRepoUrl(repo);
  if (!parsed.ok || parsed.location.kind !== 'local') return undefined;
  // Not path.resolve: it would fold `link/..` lexically, while git (the kernel) follows the link first.
  const path = parsed.location.path;
  const target = await realpathDeep(isAbsolute(path) ? path : `${opts.cwd ?? process.cwd()}/${path}`);
  for (const dir of opts.policy.forbidden) {
    if (within(target, await realpathDeep(resolve(dir)))) {
      return "is inside Drover's data or work directory (job store, repo cache, workspaces), which no job may clone";
    }
  }
  if (opts.trusted) return undefined;
  for (const dir of opts.policy.allowed) {
    if (within(target, await realpathDeep(resolve(dir)))) return undefined;
  }
  return (
    'local paths and file:// URLs are accepted only from the command line of the machine that runs the job ' +
    '(drover run, or drover submit on the embedded store), or under a directory listed in DROVER_ALLOW_LOCAL_REPOS'
  );
}

/** localRepoProblem as an InvalidInputError naming `repo` (the API's 400, the runner's invalid_input). */
export async function assertLocalRepoAllowed(
  repo: string,
  opts: { trusted: boolean; policy: LocalRepoPolicy; cwd?: string },
): Promise<void> {
  const problem = await localRepoProblem(repo, opts);
  if (problem)
    throw new InvalidInputError(`Invalid job spec: repo: ${problem}`, [{ path: 'repo', message: problem }]);
}

/** realpath of the longest existing prefix, plus the rest: a path that does not exist yet still resolves. */
async function realpathDeep(path: string): Promise<string> {
  const rest: string[] = [];
  let current = path;
  for (let i = 0; i < 4096; i++) {
    try {
      return join(await realpath(current), ...rest.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) break;
      rest.push(basename(current));
      current = parent;
    }
  }
  return path;
}

function within(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
