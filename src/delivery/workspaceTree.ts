import { lstat, unlink } from 'node:fs/promises';
import { GitError } from '../errors.js';
import type { RunnerRepo } from '../git/RunnerRepo.js';
import { treeDiff } from '../git/repoOps.js';
import { stageWorkTree } from '../git/stageWorkTree.js';
import { syncAgentHead } from '../git/syncAgentHead.js';
import type { JobContext } from '../pipeline/JobContext.js';

// The workspace seen through the job's runner-owned repository (see git/RunnerRepo.ts): staging,
// diffs and the reviewer put-back never run git on the workspace's own `.git`.

export function runnerRepo(ctx: JobContext): RunnerRepo {
  if (!ctx.runnerRepo) throw new GitError('The job has no repository yet.');
  return ctx.runnerRepo;
}

/**
 * The workspace's full state (the agent's commits, tracked and untracked files, ignored files aside)
 * as a tree id. `bestEffort`: when the agent's commits cannot be taken, the work tree alone.
 */
export async function stageAll(ctx: JobContext, opts: { bestEffort?: boolean } = {}): Promise<string> {
  const repo = runnerRepo(ctx);
  try {
    await syncAgentHead(repo);
  } catch (err) {
    if (!opts.bestEffort) throw err;
    ctx.logger.warn({ err }, 'the agent’s commits could not be taken; staging the work tree alone');
  }
  return stageWorkTree(repo, (line) => ctx.output.system(line));
}

/**
 * Puts the workspace back to `tree` when something changed it; true when it had to. Only the paths
 * that differ are touched: removed ones are unlinked (never through a link), the rest written by git
 * from the index, which replaces whatever link or directory is in their way.
 */
export async function restoreTree(ctx: JobContext, tree: string): Promise<boolean> {
  const repo = runnerRepo(ctx);
  const now = await stageWorkTree(repo, (line) => ctx.output.system(line));
  if (now === tree) return false;
  const out = (
    await repo.run(['diff', '--name-status', '-z', '--no-renames', tree, now], { stdoutEncoding: 'latin1' })
  ).stdout.split('\0');
  const added: string[] = [];
  const restore: string[] = [];
  for (let i = 0; i + 1 < out.length; i += 2) (out[i] === 'A' ? added : restore).push(out[i + 1]!);
  await repo.run(['read-tree', '--reset', tree], { workTree: true });
  for (const path of added) await removeEntry(repo.workTree, path);
  if (restore.length > 0) {
    await repo.run(['checkout-index', '--force', '--index', '-z', '--stdin'], {
      workTree: true,
      input: Buffer.from(restore.map((p) => `${p}\0`).join(''), 'latin1'),
    });
  }
  return true;
}

/** Removes a file or link the reviewer added, if it is still where it was (no link on the way). */
async function removeEntry(workTree: string, path: string): Promise<void> {
  const parts = path.split('/');
  let current = Buffer.from(workTree);
  for (const [i, part] of parts.entries()) {
    current = Buffer.concat([current, Buffer.from(`/${part}`, 'latin1')]);
    const info = await lstat(current).catch(() => undefined);
    if (!info || (i < parts.length - 1 ? !info.isDirectory() : info.isDirectory())) return;
  }
  await unlink(current);
}

/**
 * The change from `base` to `tree` (a tree or commit in the runner-owned repository). External diff
 * drivers and textconv are off, and no config could define them anyway.
 */
export async function stagedDiff(ctx: JobContext, base: string, tree: string): Promise<string> {
  return treeDiff(runnerRepo(ctx), base, tree);
}
