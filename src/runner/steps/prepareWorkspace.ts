import { Workspace } from '../../workspace/Workspace.js';
import type { JobContext } from '../JobContext.js';

export async function prepareWorkspace(ctx: JobContext): Promise<void> {
  ctx.workspace = await Workspace.create(ctx.job.id, ctx.config.workDir);
  ctx.logger.debug({ workspace: ctx.workspace.root }, 'workspace created');
}
