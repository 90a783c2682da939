import type { JobContext } from '../pipeline/JobContext.js';

/**
 * The workspace's full state (tracked and untracked, ignored files aside) as a tree id: stages
 * everything, which the commit phase does anyway.
 */
export async function stageAll(ctx: JobContext): Promise<string> {
  const cwd = ctx.workspace!.repoDir;
  await ctx.git.run(['add', '--all', '--', '.'], { cwd });
  return ctx.git.out(['write-tree'], { cwd });
}

/** Puts the workspace back to `tree` when something changed it; true when it had to. */
export async function restoreTree(ctx: JobContext, tree: string): Promise<boolean> {
  if ((await stageAll(ctx)) === tree) return false;
  await ctx.git.run(['read-tree', '--reset', '-u', tree], { cwd: ctx.workspace!.repoDir });
  return true;
}

/**
 * The staged change against `base`. External diff drivers and textconv are off: the agent could have
 * configured them in the workspace's .git/config to run commands.
 */
export async function stagedDiff(ctx: JobContext, base: string): Promise<string> {
  const res = await ctx.git.run(
    ['diff', '--cached', '--no-color', '--no-ext-diff', '--no-textconv', '--find-renames', base],
    { cwd: ctx.workspace!.repoDir },
  );
  return res.stdout ? `${res.stdout}\n` : '';
}
