import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { CloneError, GitError } from '../errors.js';
import { type Git, lastLines } from '../git/Git.js';
import { coreConfigFor } from './coreConfigFor.js';

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

/** What a workspace made from a mirror is a clone of. */
export interface MirrorCopy {
  base: string;
  /** The commit base points to in the mirror (mirrorSha, read under the lock). */
  sha: string;
  /** The repository's URL: the workspace's origin. */
  url: string;
  /** A clone of the remote's default branch, which also records it as origin/HEAD. */
  byDefault: boolean;
}

/**
 * Makes dir what `git clone --no-checkout --local --no-hardlinks --single-branch --branch base
 * --no-tags <mirror>` followed by setting origin to url makes, written directly: the mirror's object
 * files are copied (never hardlinked or borrowed, so nothing done in the workspace can reach the
 * mirror), and HEAD, the two refs and the config are written as git writes them. Three processes fewer
 * per job than the clone. The mirror is Drover's own, so its objects directory holds only regular
 * files and directories; anything else there is refused rather than copied.
 */
export async function copyFromMirror(mirror: string, dir: string, copy: MirrorCopy): Promise<void> {
  const gitDir = join(dir, '.git');
  await copyObjects(join(mirror, 'objects'), join(gitDir, 'objects'));
  const ref = (name: string, value: string) => writeGitFile(gitDir, name, `${value}\n`);
  await ref(`refs/heads/${copy.base}`, copy.sha);
  await ref(`refs/remotes/origin/${copy.base}`, copy.sha);
  if (copy.byDefault) await ref('refs/remotes/origin/HEAD', `ref: refs/remotes/origin/${copy.base}`);
  await mkdir(join(gitDir, 'refs', 'tags'), { recursive: true });
  await writeGitFile(gitDir, 'config', cloneConfig(await coreConfigFor(gitDir), copy.url, copy.base));
  // HEAD last: until it exists, git does not take the directory for a repository.
  await ref('HEAD', `ref: refs/heads/${copy.base}`);
}

/** The config `git clone --single-branch --no-tags` writes, origin being url. */
function cloneConfig(core: string[], url: string, base: string): string {
  return [
    '[core]',
    ...core,
    '[remote "origin"]',
    `\turl = ${configQuote(url)}`,
    '\ttagOpt = --no-tags',
    `\tfetch = +refs/heads/${base}:refs/remotes/origin/${base}`,
    `[branch ${configQuote(base)}]`,
    '\tremote = origin',
    `\tmerge = refs/heads/${base}`,
    '',
  ].join('\n');
}

/** A value or subsection name quoted as git's config parser reads it back. */
function configQuote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

async function writeGitFile(gitDir: string, name: string, text: string): Promise<void> {
  const path = join(gitDir, name);
  // Branch names come from the spec or the remote: one that would leave the git dir is refused.
  if (!path.startsWith(`${gitDir}${sep}`)) throw new GitError(`Refusing to write ${name} outside ${gitDir}.`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { flag: 'wx' });
}

/** Copies an objects directory file by file (copy-on-write where the file system can). */
async function copyObjects(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    // A borrowed object store would make the copy depend on the mirror.
    if (entry.name === 'alternates' || entry.name === 'http-alternates') continue;
    if (entry.isDirectory()) await copyObjects(source, join(to, entry.name));
    else if (entry.isFile()) await copyFile(source, join(to, entry.name), constants.COPYFILE_FICLONE);
    else throw new GitError(`The repo cache holds ${source}, which is not a file or directory.`);
  }
}

/** Checks the copy out (the slow part, done once the mirror's lock is released). */
export async function checkoutCopy(git: Git, dir: string): Promise<void> {
  await git.run(['read-tree', '--reset', '-u', 'HEAD'], { cwd: dir });
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
