import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCloneFailure, localPathProblem, localRepoPath } from './cloneFailure.js';

// git's real messages, from real clones of local repositories.
let dir: string;
const git = (...args: string[]) =>
  spawnSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
    },
  });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'drover-clonefail-'));
  git('init', '-q', '--bare', '-b', 'main', 'empty.git');
  git('init', '-q', '-b', 'main', 'full');
  git(
    '-C',
    'full',
    '-c',
    'user.name=a',
    '-c',
    'user.email=a@b',
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    'one',
  );
  mkdirSync(join(dir, 'plain'));
  writeFileSync(join(dir, 'file'), 'x');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('describeCloneFailure', () => {
  it('says a missing branch is missing, without git noise', () => {
    const res = git('clone', '--branch', 'nope', '--', 'full', 'out1');
    const text = describeCloneFailure('https://h/full.git', 'nope', res.stderr, true);
    expect(text).toBe(
      'Cloning https://h/full.git at nope failed: the branch "nope" does not exist there; give an existing base branch (--base / baseRef), or none for the default branch.',
    );
  });

  it('tells an empty repository from a missing branch (git says "not found" for both)', () => {
    const res = git('clone', '--branch', 'main', '--', 'empty.git', 'out2');
    expect(describeCloneFailure('https://h/empty.git', 'main', res.stderr, false)).toBe(
      'Cloning https://h/empty.git failed: the repository has no commits; push a first commit, then run the job again.',
    );
  });

  it('names a local path that does not exist, is a file, or is not a repository', () => {
    for (const [path, problem] of [
      [join(dir, 'missing'), 'does not exist'],
      [join(dir, 'file'), 'is a file, not a git repository'],
      [join(dir, 'plain'), 'is not a git repository'],
    ] as const) {
      const res = git('clone', '--', path, 'out3');
      expect(describeCloneFailure(path, undefined, res.stderr)).toContain(`failed: ${path} ${problem}`);
    }
    expect(localPathProblem(join(dir, 'full'))).toBeUndefined();
    expect(localPathProblem(join(dir, 'empty.git'))).toBeUndefined();
  });

  it('reports an unreachable server by its cause', () => {
    const res = git('clone', '--', 'http://127.0.0.1:1/x.git', 'out4');
    expect(describeCloneFailure('http://127.0.0.1:1/x.git', undefined, res.stderr)).toMatch(
      /^Cloning http:\/\/127\.0\.0\.1:1\/x\.git failed: cannot reach it \(Failed to connect to 127\.0\.0\.1 port 1.*\)\.$/,
    );
  });

  it('knows local paths from URLs', () => {
    expect(localRepoPath('/srv/r.git')).toBe('/srv/r.git');
    expect(localRepoPath('rel/dir')).toBe('rel/dir');
    expect(localRepoPath('file:///srv/r.git')).toBe('/srv/r.git');
    expect(localRepoPath('https://github.com/o/r.git')).toBeUndefined();
    expect(localRepoPath('git@github.com:o/r.git')).toBeUndefined();
    expect(localRepoPath('github.com:o/r.git')).toBeUndefined();
  });
});
