import { createRunnerRepo } from '../../git/createRunnerRepo.js';
import { fetchBranch, jobTrailers, remoteBranchSha } from '../../git/repoOps.js';
import type { JobContext } from '../../pipeline/JobContext.js';
import { cloneWithCache } from '../../workspace/cloneWithCache.js';

/**
 * Clones the base and puts the job's branch in place. When the branch already exists on the remote:
 * a follow-up job continues it (fixups on an open PR); a retry of this same job, or --reset-branch,
 * starts again from the base and replaces it with a lease-guarded force push. Ends by making the
 * job's runner-owned repository (git/createRunnerRepo.ts) from the fresh clone.
 */
export async function checkout(ctx: JobContext): Promise<void> {
  const ws = ctx.workspace!;
  const { git } = ctx;
  const dir = ws.repoDir;
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

  const remoteSha = await remoteBranchSha(git, dir, ctx.branch, ctx.authEnv);
  ctx.expectedRemoteSha = remoteSha ?? '';
  let startPoint = 'HEAD';
  if (remoteSha && !ctx.spec.resetBranch) {
    await fetchBranch(git, dir, ctx.branch, ctx.authEnv);
    const ownedByThisJob = (await jobTrailers(git, dir, `${clone.baseSha}..origin/${ctx.branch}`)).includes(
      ctx.job.id,
    );
    if (ownedByThisJob) {
      ctx.output.system(
        `Branch ${ctx.branch} holds an earlier attempt of this job; starting again from the base`,
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
  await git.run(['checkout', '--quiet', '-B', ctx.branch, startPoint], { cwd: dir });
  if (startPoint !== 'HEAD') ctx.baseSha = await git.out(['merge-base', clone.baseSha, 'HEAD'], { cwd: dir });
  const [startSha = '', startTree = ''] = (
    await git.out(['rev-parse', 'HEAD', 'HEAD^{tree}'], { cwd: dir })
  ).split('\n');
  ctx.startSha = startSha;
  // Before any setup step, agent or verify command: from here on Drover's git uses only its own repository.
  ctx.runnerRepo = await createRunnerRepo(git, { gitDir: ws.gitDir, workTree: dir, startSha, startTree });
}
