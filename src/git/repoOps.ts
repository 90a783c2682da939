import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloneError, GitError, PushError } from '../errors.js';
import { clonedEmpty, describeCloneFailure, emptyRepoMessage } from './cloneFailure.js';
import { type Git, lastLines } from './Git.js';

export interface CloneResult {
  /** The base ref's name (given, or the remote's default branch). */
  baseRef: string;
  baseSha: string;
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
  const head = await git.run(['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: dir, allowFailure: true });
  if (clonedEmpty(res.stderr) || head.exitCode !== 0) throw new CloneError(emptyRepoMessage(url));
  const name = baseRef ?? (await git.out(['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: dir }));
  return { baseRef: name, baseSha: await git.out(['rev-parse', 'HEAD'], { cwd: dir }) };
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

/** The sha of refs/heads/<branch> on the remote, or undefined when it does not exist. */
export async function remoteBranchSha(
  git: Git,
  dir: string,
  branch: string,
  authEnv: Record<string, string>,
): Promise<string | undefined> {
  const res = await git.run(['ls-remote', '--heads', 'origin', `refs/heads/${branch}`], {
    cwd: dir,
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
  baseSha: string;
}

export interface CommitResult {
  commit: string;
  /** True when the branch has commits beyond its start point (the agent's or Drover's). */
  changed: boolean;
  /** Whether Drover made a commit of the agent's uncommitted changes. */
  committed: boolean;
  filesChanged: number;
}

/** Commits whatever the agent left uncommitted, keeping commits the agent made itself. */
export async function commitChanges(git: Git, dir: string, opts: CommitOptions): Promise<CommitResult> {
  const identity = {
    GIT_AUTHOR_NAME: opts.authorName,
    GIT_AUTHOR_EMAIL: opts.authorEmail,
    GIT_COMMITTER_NAME: opts.authorName,
    GIT_COMMITTER_EMAIL: opts.authorEmail,
  };
  await git.run(['add', '--all', '--', '.'], { cwd: dir });
  const staged = await git.run(['diff', '--cached', '--quiet'], { cwd: dir, allowFailure: true });
  let committed = false;
  if (staged.exitCode === 1) {
    await git.run(['commit', '--quiet', '--no-verify', '--file', '-'], {
      cwd: dir,
      env: identity,
      input: opts.message,
    });
    committed = true;
  } else if (staged.exitCode !== 0) {
    throw new GitError(`Checking the workspace for changes failed: ${lastLines(staged.stderr)}`);
  }
  const commit = await git.out(['rev-parse', 'HEAD'], { cwd: dir });
  const count = Number(await git.out(['rev-list', '--count', `${opts.baseSha}..HEAD`], { cwd: dir }));
  const files = await git.out(['diff', '--name-only', opts.baseSha, 'HEAD'], { cwd: dir });
  return { commit, changed: count > 0, committed, filesChanged: files ? files.split('\n').length : 0 };
}

export interface PushOptions {
  url: string;
  branch: string;
  commit: string;
  /** The branch's sha on the remote when the job started ('' = it must not exist): a lease, not a blind force. */
  expectedRemoteSha: string;
  authEnv: Record<string, string>;
  /** A scratch directory for the isolated push repository. */
  scratchDir: string;
}

/**
 * Pushes from a fresh bare repository that borrows the workspace's objects (alternates), so the
 * authenticated push never reads config or hooks the agent could have planted in the workspace.
 */
export async function pushBranch(git: Git, workspace: string, opts: PushOptions): Promise<void> {
  const pushDir = join(opts.scratchDir, 'push.git');
  await git.run(['init', '--quiet', '--bare', pushDir]);
  await mkdir(join(pushDir, 'objects', 'info'), { recursive: true });
  await writeFile(join(pushDir, 'objects', 'info', 'alternates'), `${join(workspace, '.git', 'objects')}\n`);
  const ref = `refs/heads/${opts.branch}`;
  await git.run(['--git-dir', pushDir, 'update-ref', ref, opts.commit]);
  const res = await git.run(
    [
      '--git-dir',
      pushDir,
      'push',
      '--porcelain',
      `--force-with-lease=${ref}:${opts.expectedRemoteSha}`,
      '--',
      opts.url,
      `${ref}:${ref}`,
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
