import { runnerRepo } from '../../delivery/workspaceTree.js';
import { pushBranch } from '../../git/repoOps.js';
import type { JobContext } from '../../pipeline/JobContext.js';

export async function pushWork(ctx: JobContext): Promise<void> {
  if (!ctx.changed || !ctx.commit) return;
  if (ctx.expectedRemoteSha === ctx.commit) {
    ctx.output.system(`${ctx.branch} is already at ${ctx.commit.slice(0, 12)} on the remote`);
    return;
  }
  await pushBranch(runnerRepo(ctx), {
    url: ctx.spec.repo,
    branch: ctx.branch,
    commit: ctx.commit,
    expectedRemoteSha: ctx.expectedRemoteSha,
    authEnv: ctx.authEnv,
  });
  ctx.pushed = true;
  ctx.output.system(`Pushed ${ctx.branch} (${ctx.commit.slice(0, 12)})`);
}
