import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hermeticGitEnv } from '../../test/support/gitRepos.js';
import { Git } from '../git/Git.js';
import { Masker } from '../secrets/Masker.js';
import { checkoutCopy, copyFromMirror } from './mirrorGit.js';

const root = mkdtempSync(join(tmpdir(), 'drover-mirrorgit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  }).trim();

let mirror: string;
const shas: Record<string, string> = {};

beforeAll(() => {
  const src = join(root, 'src');
  mkdirSync(src);
  git(src, 'init', '-q', '-b', 'main');
  git(src, 'config', 'user.name', 't');
  git(src, 'config', 'user.email', 't@x');
  writeFileSync(join(src, 'a.txt'), 'a\n');
  git(src, 'add', '.');
  git(src, 'commit', '-qm', 'one');
  git(src, 'checkout', '-qb', 'release/1.x');
  writeFileSync(join(src, 'b.txt'), 'b\n');
  git(src, 'add', '.');
  git(src, 'commit', '-qm', 'two');
  git(src, 'tag', 'v1');
  shas.main = git(src, 'rev-parse', 'main');
  shas['release/1.x'] = git(src, 'rev-parse', 'release/1.x');
  // Like the repo cache's mirrors: bare, each branch fetched as its own pack, plus a loose object.
  mirror = join(root, 'mirror.git');
  git(root, 'init', '-q', '--bare', '--template=', mirror);
  for (const b of ['main', 'release/1.x'])
    git(mirror, 'fetch', '-q', '--no-tags', src, `+refs/heads/${b}:refs/heads/${b}`);
  execFileSync('sh', ['-c', `echo loose | git --git-dir '${mirror}' hash-object -w --stdin`]);
});

/** What a real `git clone` gives for the same base, origin set to url: config and refs. */
function cloneByGit(base: string, url: string): { config: string; refs: string } {
  const dir = mkdtempSync(join(root, 'byGit-'));
  execFileSync(
    'git',
    [
      'clone',
      '-q',
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
    ],
    {
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    },
  );
  git(dir, 'remote', 'set-url', 'origin', url);
  return {
    config: git(dir, 'config', '--local', '--list'),
    refs: git(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
  };
}

describe('copyFromMirror', () => {
  it.each([
    ['main', 'https://example.com/o/r.git'],
    ['release/1.x', 'ssh://git@example.com:2222/o/"quoted"\\back.git#frag;semi'],
    ['main', 'file:///srv/repos/with space.git'],
  ])('makes the clone git would make of %s (origin %s), checked out by read-tree', async (base, url) => {
    const dir = join(mkdtempSync(join(root, 'copy-')), 'repo');
    await copyFromMirror(mirror, dir, { base, sha: shas[base]!, url, byDefault: false });
    const byGit = cloneByGit(base, url);
    expect(git(dir, 'config', '--local', '--list')).toBe(byGit.config);
    expect(git(dir, 'for-each-ref', '--format=%(refname) %(objectname)')).toBe(byGit.refs);
    expect(git(dir, 'config', '--get', 'remote.origin.url')).toBe(url);
    await checkoutCopy(new Git(new Masker([]), hermeticGitEnv()), dir);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(shas[base]);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(existsSync(join(dir, 'b.txt'))).toBe(base !== 'main');
    // Complete (fsck exits 0); the other branch's objects come along, as with git's local clone.
    expect(git(dir, 'fsck', '--connectivity-only', '--no-progress')).not.toMatch(/missing|broken/);
    // A copy, not a borrowed store.
    expect(existsSync(join(dir, '.git', 'objects', 'info', 'alternates'))).toBe(false);
  });

  it('records origin/HEAD for a clone of the default branch', async () => {
    const dir = join(mkdtempSync(join(root, 'copy-')), 'repo');
    await copyFromMirror(mirror, dir, { base: 'main', sha: shas.main!, url: '/x', byDefault: true });
    expect(git(dir, 'symbolic-ref', 'refs/remotes/origin/HEAD')).toBe('refs/remotes/origin/main');
  });

  it('copies no alternates, refuses anything in the objects that is not a file, and writes no ref outside .git', async () => {
    const odd = join(root, 'odd.git');
    execFileSync('cp', ['-r', mirror, odd]);
    mkdirSync(join(odd, 'objects', 'info'), { recursive: true });
    writeFileSync(join(odd, 'objects', 'info', 'alternates'), '/elsewhere/objects\n');
    const plain = join(mkdtempSync(join(root, 'copy-')), 'repo');
    await copyFromMirror(odd, plain, { base: 'main', sha: shas.main!, url: '/x', byDefault: false });
    expect(readdirSync(join(plain, '.git', 'objects', 'info'))).not.toContain('alternates');

    symlinkSync('/etc', join(odd, 'objects', 'info', 'link'));
    const linked = join(mkdtempSync(join(root, 'copy-')), 'repo');
    await expect(
      copyFromMirror(odd, linked, { base: 'main', sha: shas.main!, url: '/x', byDefault: false }),
    ).rejects.toThrow(/not a file or directory/);

    const escaping = join(mkdtempSync(join(root, 'copy-')), 'repo');
    await expect(
      copyFromMirror(mirror, escaping, {
        base: '../../../escaped',
        sha: shas.main!,
        url: '/x',
        byDefault: false,
      }),
    ).rejects.toThrow(/outside/);
    expect(existsSync(join(escaping, '..', '..', 'escaped'))).toBe(false);
  });
});
