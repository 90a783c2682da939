import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RunnerConfig } from '../config/RunnerConfig.js';
import type { Git } from '../git/Git.js';
import { type CloneResult, cloneRepo } from '../git/repoOps.js';
import { RepoCache } from './RepoCache.js';
import { defaultWorkRoot, removeTree } from './Workspace.js';

export interface CloneWithCacheOptions {
  cache: RunnerConfig['cache'];
  /** Where job workspaces are made (spare workspaces live under it). */
  workRoot?: string | undefined;
  logger: Logger;
  signal?: AbortSignal;
}

export interface CloneOutcome extends CloneResult {
  /** How the workspace was made: off (cache disabled or a local path), warm/cold/rebuilt/spare, or fallback. */
  cache: 'off' | 'warm' | 'cold' | 'rebuilt' | 'spare' | 'fallback';
}

/**
 * cloneRepo through the repo cache when it is on and the repo is remote. The cache never fails a job
 * a plain clone would have done: on any cache error the workspace is cloned directly, and when that
 * works (so the remote was fine) the mirror is dropped to be rebuilt by the next job.
 */
export async function cloneWithCache(
  git: Git,
  url: string,
  dir: string,
  baseRef: string | undefined,
  authEnv: Record<string, string>,
  opts: CloneWithCacheOptions,
): Promise<CloneOutcome> {
  if (!opts.cache?.enabled || !RepoCache.cacheable(url)) {
    return { ...(await cloneRepo(git, url, dir, baseRef, authEnv)), cache: 'off' };
  }
  const { dir: cacheDir, maxBytes, spare } = opts.cache;
  const cache = new RepoCache({
    dir: cacheDir,
    maxBytes,
    git,
    logger: opts.logger,
    ...(spare ? { spareDir: join(opts.workRoot ?? defaultWorkRoot(), '.spares') } : {}),
  });
  try {
    return await cache.prepare(url, dir, baseRef, authEnv, opts.signal);
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    // Usually the remote's fault (missing branch, no access), which the direct clone reports clearly.
    opts.logger.debug({ err, url }, 'repo cache failed; cloning directly');
    await removeTree(dir);
    const result = await cloneRepo(git, url, dir, baseRef, authEnv);
    const dropped = await cache.drop(url).catch(() => false);
    opts.logger.warn(
      { url, dropped, reason: (err as Error).message },
      'repo cache failed although the remote is fine; the cache entry was dropped',
    );
    return { ...result, cache: 'fallback' };
  }
}
