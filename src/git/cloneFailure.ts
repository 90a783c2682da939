import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastLines } from './Git.js';

// Turning git's clone/fetch errors into one short sentence a user can act on (no "Cloning into…",
// hints or "Please make sure you have the correct access rights" paragraphs).

/** The path of a local repository spec (a path or a file:// URL); undefined for remote URLs. */
export function localRepoPath(repo: string): string | undefined {
  if (/^file:\/\//i.test(repo)) {
    try {
      return fileURLToPath(repo);
    } catch {
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo)) return undefined;
  // git reads `host:path` (a colon before any slash) as ssh.
  if (/^[^/]*:/.test(repo)) return undefined;
  return repo;
}

/** What is wrong with a local repository path, from the filesystem alone (no git run). */
export function localPathProblem(path: string): string | undefined {
  const kind = (p: string) => {
    try {
      return statSync(p).isDirectory() ? 'dir' : 'file';
    } catch {
      return undefined;
    }
  };
  const self = kind(path);
  if (!self) return `${path} does not exist`;
  if (self === 'file') return `${path} is a file, not a git repository`;
  const worktree = kind(join(path, '.git')) !== undefined;
  const bare = kind(join(path, 'HEAD')) === 'file' && kind(join(path, 'objects')) === 'dir';
  if (!worktree && !bare)
    return `${path} is not a git repository (no .git in it); run git init there, or point --repo at the repository's root`;
  return undefined;
}

const EMPTY = /appear to have cloned an empty repository/i;

/** Whether git's output says the clone was of a repository without commits. */
export function clonedEmpty(stderr: string): boolean {
  return EMPTY.test(stderr);
}

export function emptyRepoMessage(url: string): string {
  return `Cloning ${url} failed: the repository has no commits; push a first commit, then run the job again.`;
}

/**
 * One sentence for a failed clone or fetch of `url` (at `baseRef`) from git's stderr. `remoteHasHeads`
 * tells a missing branch from an empty repository (git says "not found" for both).
 */
export function describeCloneFailure(
  url: string,
  baseRef: string | undefined,
  stderr: string,
  remoteHasHeads?: boolean,
): string {
  const prefix = `Cloning ${url}${baseRef ? ` at ${baseRef}` : ''} failed:`;
  const local = localRepoPath(url);
  const localProblem = local !== undefined ? localPathProblem(local) : undefined;
  if (localProblem) return `${prefix} ${localProblem}.`;
  if (clonedEmpty(stderr) || remoteHasHeads === false) return emptyRepoMessage(url);
  if (/Remote branch \S+ not found|couldn't find remote ref/i.test(stderr) && baseRef) {
    return `${prefix} the branch "${baseRef}" does not exist there; give an existing base branch (--base / baseRef), or none for the default branch.`;
  }
  if (
    /Authentication failed|could not read (Username|Password)|Permission denied \(publickey|returned error: 40[13]|terminal prompts disabled/i.test(
      stderr,
    )
  ) {
    return `${prefix} authentication was refused; set DROVER_GIT_TOKEN (or --git-token-env) to a token that can read it (ssh: an ssh key the runner can use).`;
  }
  if (
    /repository '.*' not found|does not appear to be a git repository|repository '.*' does not exist|returned error: 404/i.test(
      stderr,
    )
  ) {
    return `${prefix} there is no repository there (or the credentials cannot see it).`;
  }
  const unreachable =
    /unable to access '[^']*': (.*)$/im.exec(stderr) ??
    /(Could not resolve host.*|Connection refused.*|Connection timed out.*|Network is unreachable.*)$/im.exec(
      stderr,
    );
  if (unreachable) return `${prefix} cannot reach it (${unreachable[1]!.trim()}).`;
  const detail = lastLines(
    stderr
      .split('\n')
      .filter(
        (l) => !/^(Cloning into|warning:|done\.|Please make sure|and the repository exists)/.test(l.trim()),
      )
      .join('\n'),
  );
  return `${prefix} ${detail || 'git gave no reason'}`;
}
