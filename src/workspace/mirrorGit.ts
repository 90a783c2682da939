import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloneError, GitError } from '../errors.js';
import { type Git, lastLines } from '../git/Git.js';

// The git steps of the repo cache: what runs against a mirror, and how a workspace is made from one.

/** Fetches one branch of url into the mirror with the job's credentials (environment only). */
export async function fetchIntoMirror(
  git: Git,
  mirror: string,
  url: string,
  base: string,
  authEnv: Record<string, string>,
): Promise<void> {
  const ref = `refs/heads/${base}`;
  const args = ['--git-dir', mirror, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--', url];
  const res = await git.run([...args, `+${ref}:${ref}`], { env: authEnv, allowFailure: true });
  if (res.exitCode !== 0) {
    throw new CloneError(`Fetching ${url} at ${base} into the cache failed: ${lastLines(res.stderr)}`);
  }
}

/** The commit base points to in the mirror: its loose ref file (what fetch writes), else git rev-parse. */
export async function mirrorSha(git: Git, mirror: string, base: string): Promise<string> {
  const loose = await readFile(join(mirror, 'refs', 'heads', base), 'utf8').catch(() => '');
  if (/^[0-9a-f]{40}(?:[0-9a-f]{24})?\n?$/.test(loose)) return loose.trim();
  return git.out(['--git-dir', mirror, 'rev-parse', '--verify', `refs/heads/${base}^{commit}`]);
}

/**
 * Copies the mirror into dir as a single-branch clone of base, without checking out (the slow part,
 * done by checkoutCopy once the mirror's lock is released). A plain copy: no hardlinks or alternates,
 * so nothing done in the workspace can reach the mirror.
 */
export async function copyFromMirror(git: Git, mirror: string, base: string, dir: string): Promise<void> {
  await git.run([
    'clone',
    '--quiet',
    '--no-checkout',
    '--local',
    '--no-hardlinks',
    '--no-tags',
    '--single-branch',
    '--branch',
    base,
    '--',
    mirror,
    dir,
  ]);
}

/**
 * Turns a copy into what `git clone [--branch base] url` gives: origin is url, files checked out.
 * The copy was just made by git and nothing has run in it: its origin URL and origin/HEAD are
 * written as files, which spares two git processes per job.
 */
export async function checkoutCopy(
  git: Git,
  dir: string,
  url: string,
  base: string,
  byDefault: boolean,
): Promise<void> {
  await setOriginUrl(join(dir, '.git', 'config'), url);
  // A plain clone of the default branch also records it as origin/HEAD.
  if (byDefault) {
    const origin = join(dir, '.git', 'refs', 'remotes', 'origin');
    await mkdir(origin, { recursive: true });
    await writeFile(join(origin, 'HEAD'), `ref: refs/remotes/origin/${base}\n`);
  }
  await git.run(['read-tree', '--reset', '-u', 'HEAD'], { cwd: dir });
}

/** Replaces remote.origin.url in a config file git just wrote (the value quoted as git reads it). */
export async function setOriginUrl(configFile: string, url: string): Promise<void> {
  const lines = (await readFile(configFile, 'utf8')).split('\n');
  let inOrigin = false;
  let replaced = false;
  for (const [i, line] of lines.entries()) {
    const section = /^\s*\[(.*)\]\s*$/.exec(line);
    if (section) inOrigin = section[1]!.trim() === 'remote "origin"';
    else if (inOrigin && !replaced && /^\s*url\s*=/.test(line)) {
      lines[i] = `\turl = "${url.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
      replaced = true;
    }
  }
  if (!replaced) throw new GitError(`The copy's ${configFile} has no remote "origin" url to set.`);
  await writeFile(configFile, lines.join('\n'));
}

/** The remote's default branch (what a plain clone checks out), from its HEAD symref. */
export async function remoteDefaultBranch(
  git: Git,
  url: string,
  authEnv: Record<string, string>,
): Promise<string> {
  const res = await git.run(['ls-remote', '--symref', '--', url, 'HEAD'], {
    env: authEnv,
    allowFailure: true,
  });
  const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(res.stdout);
  if (res.exitCode !== 0 || !m) {
    throw new CloneError(
      `Finding the default branch of ${url} failed: ${lastLines(res.stderr) || 'no HEAD'}`,
    );
  }
  return m[1]!;
}
