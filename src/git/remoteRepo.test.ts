import { describe, expect, it } from 'vitest';
import { providerForHost } from '../delivery/remoteRepo.js';
import { parseRemoteRepo } from './remoteRepo.js';

describe('parseRemoteRepo', () => {
  it.each([
    [
      'https://github.com/acme/app.git',
      { host: 'github.com', authority: 'github.com', path: 'acme/app', scheme: 'https' },
    ],
    ['https://github.com/acme/app', { host: 'github.com', path: 'acme/app' }],
    [
      'http://127.0.0.1:8080/acme/app.git/',
      { host: '127.0.0.1', authority: '127.0.0.1:8080', path: 'acme/app' },
    ],
    [
      'ssh://git@gitlab.example.com:2222/group/sub/proj.git',
      { host: 'gitlab.example.com', path: 'group/sub/proj', scheme: 'ssh' },
    ],
    ['git@github.com:acme/app.git', { host: 'github.com', path: 'acme/app', scheme: 'ssh' }],
    ['GitLab.com:group/proj', { host: 'gitlab.com', path: 'group/proj' }],
  ])('%s', (url, expected) => {
    expect(parseRemoteRepo(url)).toMatchObject(expected);
  });

  it.each([
    '/srv/git/app.git',
    './app',
    'file:///srv/git/app.git',
    'https://github.com/',
    'https://h/a/../b',
  ])('has no forge repository for %s', (url) => {
    expect(parseRemoteRepo(url)).toBeUndefined();
  });
});

describe('providerForHost', () => {
  it('knows github.com, gitlab.com and github.*/gitlab.* hosts only', () => {
    expect(providerForHost('github.com')).toBe('github');
    expect(providerForHost('github.corp.example')).toBe('github');
    expect(providerForHost('gitlab.com')).toBe('gitlab');
    expect(providerForHost('gitlab.example.org')).toBe('gitlab');
    expect(providerForHost('git.example.org')).toBeUndefined();
    expect(providerForHost('notgithub.com')).toBeUndefined();
  });
});
