import { join } from 'node:path';
import { createRunnerRepo } from '../../git/createRunnerRepo.js';
import { pointHeadAt } from '../../git/pointHeadAt.js';
import { fetchBranch, jobStartPoint, remoteBranchSha } from '../../git/repoOps.js';
import type { JobContext } from '../../pipeline/JobContext.js';
import { cloneWithCache } from '../../workspace/cloneWithCache.js';

/**
 * Clones the base and puts the job's branch in place. When the branch already exists on the remote:
 * a follow-up job continues it (fixups on an open PR); a retry of this same job starts again from where
 * its first attempt started (the base, or the commits of earlier jobs it continued), and --reset-branch
 * from the base; either replaces the branch with a lease-guarded force push. Ends by making the job's runner-owned
 * repository (git/createRunnerRepo.ts) from the fresh clone.
 */
export async function checkout(ctx: JobContext): Promise<void> {
  const ws = ctx.workspace!;
  const { git } = ctx;
  const dir = ws.repoDir;
  // Whether the job's branch exists is asked while the base is cloned: one round trip to the remote
  // off the way to the agent. A clone error is reported first; this answer is only awaited after it.
  const remoteBranch = remoteBranchSha(git, ctx.spec.repo, ctx.branch, ctx.authEnv);
  remoteBranch.catch(() => undefined);
  const clone = await cloneWithCache(git, ctx.spec.repo, dir, ctx.spec.baseRef, ctx.authEnv, {
    cache: ctx.config.cache,
    workRoot: ctx.config.workDir,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  ctx.baseRef = clone.baseRef;
  ctx.baseSha = clone.baseSha;
  const via = clone.cache === 'off' ? '' : ` (repo cache: ${clone.cache})`;
  ctx.output.system(`Base ${clone.baseRef} at ${clone.baseSha.slice(0, 12)}${via}`);
  await ctx.store.update(ctx.job.id, { baseRef: clone.baseRef });

  const remoteSha = await remoteBranch;
  ctx.expectedRemoteSha = remoteSha ?? '';
  let startPoint = 'HEAD';
  if (remoteSha && !ctx.spec.resetBranch) {
    await fetchBranch(git, dir, ctx.branch, ctx.authEnv);
    const earlier = await jobStartPoint(git, dir, clone.baseSha, `origin/${ctx.branch}`, ctx.job.id);
    if (earlier !== undefined) {
      if (earlier !== clone.baseSha) startPoint = earlier;
      ctx.output.system(
        `Branch ${ctx.branch} holds an earlier attempt of this job; starting again from ${
          earlier === clone.baseSha ? 'the base' : `${earlier.slice(0, 12)}, where that attempt began`
        }`,
      );
    } else {
      startPoint = `origin/${ctx.branch}`;
      ctx.output.system(
        `Branch ${ctx.branch} exists on the remote; continuing from ${remoteSha.slice(0, 12)}`,
      );
    }
  } else if (remoteSha) {
    ctx.output.system(`--reset-branch: ${ctx.branch} will be replaced, starting from the base`);
  }
  const pointed =
    startPoint === 'HEAD' && (await pointHeadAt(join(dir, '.git'), ctx.branch, clone.baseRef, clone.baseSha));
  if (!pointed) await git.run(['checkout', '--quiet', '-B', ctx.branch, startPoint], { cwd: dir });
  if (startPoint !== 'HEAD') ctx.baseSha = await git.out(['merge-base', clone.baseSha, 'HEAD'], { cwd: dir });
  // Starting at the base, the clone step already knows the commit and (direct clones) its tree.
  const [startSha = '', startTree = ''] =
    startPoint === 'HEAD' && clone.baseTree
      ? [clone.baseSha, clone.baseTree]
      : (await git.out(['rev-parse', 'HEAD', 'HEAD^{tree}'], { cwd: dir })).split('\n');
  ctx.startSha = startSha;
  // Before any setup step, agent or verify command: from here on Drover's git uses only its own repository.
  ctx.runnerRepo = await createRunnerRepo(git, { gitDir: ws.gitDir, workTree: dir, startSha, startTree });
}
