import type { JobContext } from '../../pipeline/JobContext.js';
import { startSandboxProbe } from '../../sandbox/jobSandbox.js';
import { Workspace } from '../../workspace/Workspace.js';

export async function prepareWorkspace(ctx: JobContext): Promise<void> {
  startSandboxProbe(ctx);
  ctx.workspace = await Workspace.create(ctx.job.id, ctx.config.workDir);
  ctx.logger.debug({ workspace: ctx.workspace.root }, 'workspace created');
}
