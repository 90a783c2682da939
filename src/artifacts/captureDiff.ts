import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stageAll, stagedDiff } from '../delivery/workspaceTree.js';
import type { JobContext } from '../pipeline/JobContext.js';

export const DIFF_ARTIFACT = 'changes.diff';

/**
 * Saves the job's final change against its base (`git diff base...branch`, including what was
 * never committed when the job stopped early) before the workspace is removed. Never throws.
 * Once the commit is made nothing runs in the workspace any more, so the commit is the change.
 */
export async function captureDiff(ctx: JobContext): Promise<void> {
  if (!ctx.workspace || !ctx.baseSha || !ctx.runnerRepo) return;
  try {
    const tree = ctx.commit ?? (await stageAll(ctx, { bestEffort: true }));
    const diff =
      ctx.commitDiff?.commit === tree ? ctx.commitDiff.text : await stagedDiff(ctx, ctx.baseSha, tree);
    await mkdir(ctx.artifactsDir, { recursive: true });
    await writeFile(join(ctx.artifactsDir, DIFF_ARTIFACT), ctx.masker.mask(diff));
  } catch (err) {
    ctx.logger.warn({ err }, 'could not save the diff artifact');
  }
}
