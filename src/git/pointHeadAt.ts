import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * What `git checkout -B <branch> HEAD` does in a clone git has just made (nothing else has run in
 * it; its only local branch is `base`): the branch ref at the commit, HEAD pointing at it. Written as
 * files, one git process fewer per job. False when the names clash (`a` and `a/b`): then git decides.
 */
export async function pointHeadAt(
  gitDir: string,
  branch: string,
  base: string,
  sha: string,
): Promise<boolean> {
  if (branch.startsWith(`${base}/`) || base.startsWith(`${branch}/`)) return false;
  try {
    const ref = join(gitDir, 'refs', 'heads', ...branch.split('/'));
    await mkdir(dirname(ref), { recursive: true });
    await writeFile(ref, `${sha}\n`);
    await writeFile(join(gitDir, 'HEAD'), `ref: refs/heads/${branch}\n`);
    return true;
  } catch {
    return false;
  }
}
