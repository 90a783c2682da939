import { describe, expect, it } from 'vitest';
import { refNameProblem, repoUrlProblem } from './refs.js';

describe('repoUrlProblem', () => {
  it.each([
    'https://github.com/org/app.git',
    'http://127.0.0.1:8080/app.git',
    'ssh://git@host/org/app.git',
    'git@github.com:org/app.git',
    'file:///srv/git/app.git',
    '/srv/git/app.git',
    './relative/repo',
  ])('accepts %s', (url) => {
    expect(repoUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ['ext::sh -c touch% /tmp/pwned', /ext::/],
    ['fd::17', /fd::/],
    ['-uhttps://evil', /start with "-"/],
    ['--upload-pack=touch /tmp/x', /start with "-"/],
    ['ftp://host/repo', /ftp/],
    ['https://user:secret@github.com/org/app.git', /credentials/],
    ['https://host/repo\nsecond', /control/],
    ['', /empty/],
  ])('refuses %j', (url, problem) => {
    expect(repoUrlProblem(url)).toMatch(problem);
  });
});

describe('refNameProblem', () => {
  it.each(['main', 'release/1.2', 'drover/abc12345', 'feature_x-y'])('accepts %s', (ref) => {
    expect(refNameProblem(ref)).toBeUndefined();
  });

  it.each([
    '-main',
    '--force',
    'a..b',
    'a b',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[b',
    'a\\b',
    '/main',
    'main/',
    'main.',
    'main.lock',
    '.hidden/x',
    'a@{1}',
    'a//b',
    '@',
    '',
  ])('refuses %j', (ref) => {
    expect(refNameProblem(ref)).toBeTypeOf('string');
  });
});
