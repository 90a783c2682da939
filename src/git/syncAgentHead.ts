import { UnsafeWorkspaceError } from '../errors.js';
import { lastLines } from './Git.js';
import { importAgentObjects } from './importAgentObjects.js';
import type { RunnerRepo } from './RunnerRepo.js';
import { readAgentHead } from './readAgentHead.js';

/**
 * Takes the commits the agent made in its workspace: reads its HEAD as text, imports the objects it
 * added (verified), checks with git that the commit and everything it reaches are complete, and reads
 * that commit into the runner-owned index (keeping stat data, so unchanged files are not re-hashed).
 * Returns the agent's HEAD, or the last one taken when it has none now (no commits, no `.git`).
 */
export async function syncAgentHead(repo: RunnerRepo): Promise<string> {
  const head = (await readAgentHead(repo.workTree, repo.hexLength)) ?? repo.indexBase;
  if (head === repo.indexBase) return head;
  if (head !== repo.startSha) {
    await importAgentObjects(repo);
    const check = await repo.run(
      ['rev-list', '--objects', '--quiet', head, '--not', repo.startSha, repo.indexBase, '--'],
      { allowFailure: true },
    );
    if (check.exitCode !== 0) {
      throw new UnsafeWorkspaceError(
        `The agent's commit ${head.slice(0, 12)} cannot be taken from the workspace: ${lastLines(check.stderr) || 'it is incomplete'}`,
      );
    }
  }
  const read = await repo.run(['read-tree', '--reset', head], { workTree: true, allowFailure: true });
  if (read.exitCode !== 0) {
    throw new UnsafeWorkspaceError(
      `The agent's commit ${head.slice(0, 12)} cannot be used: ${lastLines(read.stderr)}`,
    );
  }
  repo.indexBase = head;
  return head;
}
