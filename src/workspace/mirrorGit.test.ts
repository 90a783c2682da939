import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setOriginUrl } from './mirrorGit.js';

const root = mkdtempSync(join(tmpdir(), 'drover-mirrorgit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
  });

describe('setOriginUrl', () => {
  it.each([
    'https://example.com/o/r.git',
    'https://example.com/o/r.git#frag;semi',
    'ssh://git@example.com:2222/o/"quoted"\\back.git',
    'file:///srv/repos/with space.git',
  ])('writes %s so that git reads it back exactly, leaving the rest of the config alone', async (url) => {
    const dir = mkdtempSync(join(root, 'r-'));
    git(dir, 'init', '-q');
    git(dir, 'remote', 'add', 'origin', '/srv/mirror.git');
    git(dir, 'remote', 'add', 'other', '/srv/other.git');
    await setOriginUrl(join(dir, '.git', 'config'), url);
    expect(git(dir, 'config', '--get-all', 'remote.origin.url').trim()).toBe(url);
    expect(git(dir, 'config', '--get', 'remote.other.url').trim()).toBe('/srv/other.git');
    expect(git(dir, 'config', '--get', 'remote.origin.fetch').trim()).toBe(
      '+refs/heads/*:refs/remotes/origin/*',
    );
  });

  it('refuses a config without an origin url', async () => {
    const dir = mkdtempSync(join(root, 'r-'));
    git(dir, 'init', '-q');
    await expect(setOriginUrl(join(dir, '.git', 'config'), 'https://x/y.git')).rejects.toThrow(/origin/);
  });
});
