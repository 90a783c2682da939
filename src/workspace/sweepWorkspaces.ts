import { randomBytes } from 'node:crypto';
import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { removeTree } from './Workspace.js';
import { ownerState, parseOwnerTag } from './workspaceOwner.js';

export interface SweepResult {
  removed: string[];
  /** Kept: their owner runs (here or on another machine sharing the work dir). */
  kept: number;
}

const GONE_PREFIX = '.gone-';

/**
 * Removes the workspaces (checkout, agent state and config, tmp) of runner processes that died
 * without cleaning up (kill -9, OOM, power loss). A workspace is removed only when its owner, named
 * in its directory name, is known to be gone: a live process on this machine, or any process on
 * another machine or pid namespace, keeps it. Each doomed workspace is first renamed away (atomic, so
 * two sweepers never remove one twice), then removed without following symlinks planted inside.
 */
export async function sweepWorkspaces(workRoot: string, logger?: Logger): Promise<SweepResult> {
  const result: SweepResult = { removed: [], kept: 0 };
  const entries = await readdir(workRoot, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    // Dirents come from lstat: a symlink planted in the work root is never followed or removed here.
    if (!entry.isDirectory()) continue;
    const path = join(workRoot, entry.name);
    if (entry.name.startsWith(GONE_PREFIX)) {
      // Left by a sweeper that died while removing it.
      await removeTree(path).catch((err) =>
        logger?.debug({ err, path }, 'could not remove a doomed workspace'),
      );
      continue;
    }
    if (!entry.name.startsWith('drover-')) continue;
    const owner = parseOwnerTag(entry.name);
    if (!owner || ownerState(owner) !== 'gone') {
      if (owner) result.kept++;
      continue;
    }
    const doomed = join(workRoot, `${GONE_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      await rename(path, doomed);
    } catch {
      continue; // another sweeper took it
    }
    try {
      await removeTree(doomed);
      result.removed.push(entry.name);
    } catch (err) {
      logger?.warn({ err, path }, 'could not remove the workspace of a runner that is gone');
    }
  }
  if (result.removed.length > 0) {
    logger?.info({ removed: result.removed.length, workRoot }, 'removed workspaces of runners that are gone');
  }
  return result;
}
