import { InvalidInputError } from '../errors.js';
import { localPathProblem, localRepoPath } from '../git/cloneFailure.js';
import { Git } from '../git/Git.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import { Masker } from '../secrets/Masker.js';

/**
 * A local repository is checked before its job is created (cheap, and the job would only fail at
 * clone): it exists, is a git repository with commits, and has the base branch. Remote repositories
 * are checked by the clone itself.
 */
export async function checkLocalRepo(spec: JobSpec, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const path = localRepoPath(spec.repo);
  if (path === undefined) return;
  const problem = localPathProblem(path);
  if (problem) throw invalid('repo', problem);
  const git = new Git(new Masker([]), env);
  const run = (args: string[]) => git.run(args, { cwd: path, allowFailure: true });
  // The usual case, a repository that has the base, takes one git process.
  const base =
    spec.baseRef === undefined
      ? undefined
      : await run(['rev-parse', '--verify', '--quiet', `refs/heads/${spec.baseRef}^{commit}`]);
  if (base?.exitCode === 0) return;
  const heads = await run(['for-each-ref', '--count=1', '--format=%(refname)', 'refs/heads']);
  if (heads.exitCode !== 0) return; // e.g. owned by another user: the clone will say so
  if (heads.stdout.trim() === '') throw invalid('repo', `${path} has no commits yet; commit something first`);
  if (base) throw invalid('baseRef', `there is no branch "${spec.baseRef}" in ${path}`);
}

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError(`${path}: ${message}`, [{ path, message }]);
}
