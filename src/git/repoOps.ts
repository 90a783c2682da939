import { CloneError, PushError } from '../errors.js';
import { clonedEmpty, describeCloneFailure, emptyRepoMessage } from './cloneFailure.js';
import { type Git, lastLines } from './Git.js';
import type { RunnerRepo } from './RunnerRepo.js';
import { stageWorkTree } from './stageWorkTree.js';
import { syncAgentHead } from './syncAgentHead.js';

export interface CloneResult {
  /** The base ref's name (given, or the remote's default branch). */
  baseRef: string;
  baseSha: string;
  /** The base commit's tree, when the clone step learnt it anyway (saves a git call later). */
  baseTree?: string;
}

/** Clones url at baseRef (or the remote's default branch) into dir. */
export async function cloneRepo(
  git: Git,
  url: string,
  dir: string,
  baseRef: string | undefined,
  authEnv: Record<string, string>,
): Promise<CloneResult> {
  const args = ['clone', '--no-tags', '--single-branch'];
  if (baseRef) args.push('--branch', baseRef);
  const res = await git.run([...args, '--', url, dir], { env: authEnv, allowFailure: true });
  if (res.exitCode !== 0) {
    // git says "not found" both for a missing branch and for a repository without any branch.
    const heads = /not found in upstream|couldn't find remote ref/i.test(res.stderr)
      ? await remoteHasHeads(git, url, authEnv)
      : undefined;
    throw new CloneError(describeCloneFailure(url, baseRef, res.stderr, heads));
  }
  // One call for the branch name, the commit and its tree; it fails on a clone without commits.
  // (--abbrev-ref applies to the names after it.)
  const head = await git.run(['rev-parse', 'HEAD', 'HEAD^{tree}', '--abbrev-ref', 'HEAD'], {
    cwd: dir,
    allowFailure: true,
  });
  const [sha = '', tree = '', name = ''] = head.stdout.trim().split('\n');
  if (clonedEmpty(res.stderr) || head.exitCode !== 0 || !sha) throw new CloneError(emptyRepoMessage(url));
  return { baseRef: baseRef ?? name, baseSha: sha, baseTree: tree };
}

/** Whether the remote has any branch (undefined when it cannot be asked). */
async function remoteHasHeads(
  git: Git,
  url: string,
  authEnv: Record<string, string>,
): Promise<boolean | undefined> {
  const res = await git.run(['ls-remote', '--heads', '--', url], { env: authEnv, allowFailure: true });
  return res.exitCode === 0 ? res.stdout.trim() !== '' : undefined;
}

/** The sha of refs/heads/<branch> on the remote at url, or undefined when it does not exist. */
export async function remoteBranchSha(
  git: Git,
  url: string,
  branch: string,
  authEnv: Record<string, string>,
): Promise<string | undefined> {
  const res = await git.run(['ls-remote', '--heads', '--', url, `refs/heads/${branch}`], {
    env: authEnv,
    allowFailure: true,
  });
  if (res.exitCode !== 0)
    throw new CloneError(`Listing the remote branches failed: ${lastLines(res.stderr)}`);
  return res.stdout.split(/\s+/)[0] || undefined;
}

export async function fetchBranch(git: Git, dir: string, branch: string, authEnv: Record<string, string>) {
  await git.run(['fetch', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`], {
    cwd: dir,
    env: authEnv,
  });
}

/** Job ids found in `Drover-Job:` trailers of the commits in range. */
export async function jobTrailers(git: Git, dir: string, range: string): Promise<string[]> {
  const out = await git.out(['log', '--format=%(trailers:key=Drover-Job,valueonly,separator=%x2C)', range], {
    cwd: dir,
  });
  return out
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Where an earlier attempt of `jobId` started on `ref`: the newest commit before that attempt's first
 * commit that carries another job's trailer, else `baseSha`. Commits without a trailer (the agent's
 * own) belong to the Drover commit that follows them. Undefined when no commit in range is the job's.
 */
export async function jobStartPoint(
  git: Git,
  dir: string,
  baseSha: string,
  ref: string,
  jobId: string,
): Promise<string | undefined> {
  const out = await git.out(
    [
      'log',
      '--reverse',
      '--first-parent',
      '--format=%H %(trailers:key=Drover-Job,valueonly,separator=%x2C)',
      `${baseSha}..${ref}`,
    ],
    { cwd: dir },
  );
  let start = baseSha;
  for (const line of out.split('\n')) {
    const [sha, trailers = ''] = line.trim().split(' ');
    if (!sha) continue;
    const jobs = trailers
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (jobs.includes(jobId)) return start;
    if (jobs.length > 0) start = sha;
  }
  return undefined;
}

export interface CommitOptions {
  message: string;
  authorName: string;
  authorEmail: string;
  /** Where the branch started: the commit the agent's work is measured against. */
  baseSha: string;
  /** Reports work-tree paths left out of the commit (nested repositories, special files). */
  report: (line: string) => void;
}

export interface CommitResult {
  commit: string;
  /** True when the branch has commits beyond its start point (the agent's or Drover's). */
  changed: boolean;
  /** Whether Drover made a commit of the agent's uncommitted changes. */
  committed: boolean;
  filesChanged: number;
  /** The change against `baseSha` (empty when nothing changed). */
  diff: string;
}

/**
 * Commits whatever the agent left uncommitted, keeping commits the agent made itself, in the
 * runner-owned repository with plumbing only: the agent's HEAD (imported and verified), the work tree
 * staged into Drover's index, and a commit on top when the tree differs. Nothing in the workspace's
 * `.git` is written (no COMMIT_EDITMSG, reflog, index or ref).
 */
export async function commitChanges(repo: RunnerRepo, opts: CommitOptions): Promise<CommitResult> {
  const head = await syncAgentHead(repo);
  const tree = await stageWorkTree(repo, opts.report);
  const headTree =
    head === repo.startSha ? repo.startTree : await repo.out(['rev-parse', '--verify', `${head}^{tree}`]);
  let commit = head;
  let committed = false;
  if (tree !== headTree) {
    commit = await repo.out(['commit-tree', tree, '-p', head], {
      env: {
        GIT_AUTHOR_NAME: opts.authorName,
        GIT_AUTHOR_EMAIL: opts.authorEmail,
        GIT_COMMITTER_NAME: opts.authorName,
        GIT_COMMITTER_EMAIL: opts.authorEmail,
      },
      input: cleanMessage(opts.message),
    });
    committed = true;
  }
  const changed =
    committed ||
    (head !== opts.baseSha &&
      Number(await repo.out(['rev-list', '--count', `${opts.baseSha}..${head}`])) > 0);
  // The change as changes.diff shows it (one git call for the file count and the artifact).
  const diff = changed ? await treeDiff(repo, opts.baseSha, commit) : '';
  return { commit, changed, committed, filesChanged: countDiffFiles(diff), diff };
}

/** `git diff` between two commits or trees, as the artifacts and the reviewer see it (no drivers). */
export async function treeDiff(repo: RunnerRepo, from: string, to: string): Promise<string> {
  const res = await repo.run([
    'diff',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--find-renames',
    from,
    to,
  ]);
  return res.stdout ? `${res.stdout}\n` : '';
}

/** Files in a unified git diff: one `diff --git` header each (hunk lines always start with ' ', + or -). */
export function countDiffFiles(diff: string): number {
  let n = 0;
  for (let i = diff.indexOf('diff --git '); i !== -1; i = diff.indexOf('\ndiff --git ', i + 1)) n++;
  return n;
}

/** What `git commit` does to a message it did not open an editor for: trailing spaces, runs of blank lines. */
export function cleanMessage(message: string): string {
  const lines = message.split('\n').map((l) => l.trimEnd());
  const out: string[] = [];
  for (const line of lines) {
    if (line === '' && (out.length === 0 || out.at(-1) === '')) continue;
    out.push(line);
  }
  while (out.at(-1) === '') out.pop();
  return `${out.join('\n')}\n`;
}

export interface PushOptions {
  url: string;
  branch: string;
  commit: string;
  /** The branch's sha on the remote when the job started ('' = it must not exist): a lease, not a blind force. */
  expectedRemoteSha: string;
  authEnv: Record<string, string>;
}

/**
 * Pushes the commit from the runner-owned repository, which holds every object it needs (the agent's
 * were imported and verified): the authenticated push never reads anything the agent could plant.
 */
export async function pushBranch(repo: RunnerRepo, opts: PushOptions): Promise<void> {
  const ref = `refs/heads/${opts.branch}`;
  const res = await repo.network(
    [
      'push',
      '--porcelain',
      '--no-recurse-submodules',
      `--force-with-lease=${ref}:${opts.expectedRemoteSha}`,
      '--',
      opts.url,
      `${opts.commit}:${ref}`,
    ],
    { env: opts.authEnv, allowFailure: true },
  );
  if (res.exitCode === 0) return;
  const detail = `${res.stdout}\n${res.stderr}`;
  if (/stale info|fetch first|non-fast-forward|rejected/.test(detail)) {
    throw new PushError(
      `Pushing ${opts.branch} was rejected because the branch changed on the remote while the job ran; re-run the job.`,
    );
  }
  throw new PushError(`Pushing ${opts.branch} failed: ${lastLines(res.stderr)}`);
}
